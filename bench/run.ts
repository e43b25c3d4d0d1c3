/**
 * `npm run bench [-- part...] [--runs N]`: runs the benchmark parts (all by default), each
 * against its reference in the same run, writes bench/results/<date>.json and BENCHMARKS.md.
 * Never part of `npm test`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BenchContext } from './part';
import { PARTS } from './parts';
import { BenchResults, describeMachine, PartResult, renderMarkdown } from './report';
import { ROOT } from './support/paths';

const RESULTS_DIR = join(ROOT, 'bench/results');

function parseArgs(argv: string[]): { names: string[]; runs: number } {
  const names: string[] = [];
  let runs = Number(process.env.BENCH_RUNS ?? 3);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else names.push(argv[i]);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
  const unknown = names.filter((name) => !PARTS.some((part) => part.name === name));
  if (unknown.length > 0) {
    const known = PARTS.map((part) => part.name).join(', ');
    throw new Error(`unknown part ${unknown.join(', ')}; parts: ${known}`);
  }
  return { names, runs };
}

async function main(): Promise<number> {
  const { names, runs } = parseArgs(process.argv.slice(2));
  const parts = PARTS.filter((part) => names.length === 0 || names.includes(part.name));
  const date = new Date().toISOString().slice(0, 10);
  const workDir = mkdtempSync(join(tmpdir(), 'valkey-chat-bench-'));
  const started = Date.now();
  const context: BenchContext = {
    serviceMain: join(__dirname, '../src/main.js'),
    workDir,
    runs,
    log: (line) => process.stderr.write(`[bench ${elapsed(started)}] ${line}\n`),
  };

  const done: PartResult[] = [];
  try {
    for (const part of parts) {
      context.log(`${part.name}: ${part.method}`);
      const partStarted = Date.now();
      try {
        const figures = await part.run(context);
        done.push({
          name: part.name,
          method: part.method,
          date,
          seconds: since(partStarted),
          figures,
        });
      } catch (error) {
        context.log(`${part.name} failed: ${(error as Error).stack ?? String(error)}`);
        const message = (error as Error).message.split('\n')[0];
        done.push({ ...partHeader(part, date, partStarted), figures: [], error: message });
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const results = merge(date, done);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${date}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results));
  context.log(`wrote ${file} and BENCHMARKS.md in ${elapsed(started)}`);

  for (const part of done) {
    for (const f of part.figures) {
      process.stdout.write(
        `${f.name}: ${f.value} ${f.unit} vs ${f.referenceValue} ${f.unit} ` +
          `(ratio ${f.ratio}, median of ${f.runs})\n`,
      );
    }
  }
  return done.some((part) => part.error) ? 1 : 0;
}

function partHeader(part: { name: string; method: string }, date: string, started: number) {
  return { name: part.name, method: part.method, date, seconds: since(started) };
}

/** Today's results so far, with the parts just run replacing their earlier results. */
function merge(date: string, done: PartResult[]): BenchResults {
  const file = join(RESULTS_DIR, `${date}.json`);
  const earlier: PartResult[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResults).parts
    : [];
  const kept = earlier.filter((part) => !done.some((now) => now.name === part.name));
  const order = (name: string) => PARTS.findIndex((part) => part.name === name);
  const parts = [...kept, ...done].sort((a, b) => order(a.name) - order(b.name));
  return { date, machine: describeMachine(), parts };
}

function since(started: number): number {
  return Math.round((Date.now() - started) / 1000);
}

function elapsed(started: number): string {
  const seconds = since(started);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
