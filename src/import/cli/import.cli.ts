import { statSync } from 'node:fs';
import { basename } from 'node:path';

import { Presets, SingleBar } from 'cli-progress';

import { ImportClient, ImportTotals } from './import-client';

/**
 * `npm run import -- <files>`: sends NDJSON chat logs to the running service at IMPORT_URL
 * (default http://localhost:8080), with a progress bar, and prints what became of every line.
 * Exit code 0 when every file was read to its end (refused lines included), 1 when a request
 * failed or a file could not be read, 2 on wrong usage.
 */
const USAGE =
  'usage: npm run import -- <file.jsonl>...\n' +
  '  Each line: {"room": "...", "user": "...", "text": "...", "ts": "2018-05-31T01:05:27Z"}\n' +
  '  (ts optional). Files are sent in the order given; IMPORT_URL picks the service.\n';

async function main(files: string[]): Promise<number> {
  if (files.length === 0 || files.some((file) => file === '-h' || file === '--help')) {
    process.stderr.write(USAGE);
    return 2;
  }

  const url = process.env.IMPORT_URL?.trim() || 'http://localhost:8080';
  const sizes = files.map((file) => statSync(file).size);
  const client = new ImportClient(url);
  const bar = new SingleBar(
    {
      format:
        ' {bar} {percentage}% | {done}/{size} MB | {file} | imported {imported}, refused {refused}',
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let done = 0;
  const payload = (file: string) => ({
    file: basename(file),
    done: toMb(done).toFixed(1),
    size: toMb(sum(sizes)).toFixed(1),
    imported: client.totals.imported,
    refused: client.totals.refused,
  });

  const started = Date.now();
  bar.start(sum(sizes), 0, payload(files[0]));
  try {
    for (const file of files) {
      await client.importFile(file, (bytes) => {
        done += bytes;
        bar.increment(bytes, payload(file));
      });
    }
  } catch (error) {
    bar.stop();
    printSummary(client.totals, Date.now() - started);
    process.stderr.write(`\nimport stopped: ${(error as Error).message}\n`);
    return 1;
  }
  bar.stop();
  printSummary(client.totals, Date.now() - started);
  return 0;
}

function printSummary(totals: ImportTotals, ms: number): void {
  const out: string[] = [
    `lines read ${totals.lines}: imported ${totals.imported}, refused ${totals.refused} ` +
      `(${(ms / 1000).toFixed(1)} s)`,
  ];
  for (const [room, count] of [...totals.rooms].sort((a, b) => b[1] - a[1])) {
    out.push(`  ${room}: ${count}`);
  }
  if (totals.refused > 0) out.push('refused:');
  for (const { file, line, reason } of totals.refusals) {
    out.push(`  ${basename(file)}:${line}: ${reason}`);
  }
  if (totals.refusalsNotListed > 0) out.push(`  ... and ${totals.refusalsNotListed} more`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function toMb(bytes: number): number {
  return bytes / 1_048_576;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`import failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
