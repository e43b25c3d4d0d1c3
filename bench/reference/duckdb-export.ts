/**
 * The export's reference: DuckDB writes the same messages of the same Valkey stream to Parquet
 * as the service's export does, read the same way (XRANGE pages of 5,000, the next page read
 * while the current one is written) and cut into the same files (a new file every 50,000 rows
 * and at each new UTC date, one row group per file), with the same columns, types and SNAPPY,
 * in the same key layout. The rows go through DuckDB's appender into a table of one file's
 * rows, which COPY writes to Parquet. DuckDB runs on one thread, as the export worker is one.
 *
 * Run as its own process by the benchmark, so its memory is its own: it prints one line of JSON
 * with rows, files, bytes, wall time, and its resident memory before reading and at its peak.
 *
 *   VALKEY_URL=... ROOM=... OUT_DIR=... [BATCH_SIZE=50000] node duckdb-export.js
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
} from '@duckdb/node-api';
import { Valkey } from 'iovalkey';

import { archiveFileKey, partitionDate } from '../../src/archive/archive-layout';
import { messageIdTime } from '../../src/common/message-id';
import { roomKeys } from '../../src/valkey/room-keys';

/** The same page size as the service's exporter reads with. */
const READ_PAGE_SIZE = 5000;
const MIB = 1024 * 1024;

type StreamEntry = [id: string, fields: string[]];

interface Batch {
  date: string;
  firstId: string;
  lastId: string;
  rows: number;
}

export interface DuckDbExportResult {
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly ms: number;
  readonly rssBeforeMiB: number;
  readonly peakRssMiB: number;
}

async function main(): Promise<void> {
  const room = required('ROOM');
  const outDir = required('OUT_DIR');
  const batchSize = Number(process.env.BATCH_SIZE ?? 50_000);

  const valkey = new Valkey(required('VALKEY_URL'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const duck = await instance.connect();
  await duck.run(
    'CREATE TABLE batch (id VARCHAR, room VARCHAR, "user" VARCHAR, text VARCHAR, ts TIMESTAMP_MS)',
  );
  await valkey.ping();
  const rssBeforeMiB = process.memoryUsage.rss() / MIB;

  const started = process.hrtime.bigint();
  let rows = 0;
  let bytes = 0;
  let files = 0;
  let batch: Batch | undefined;
  let appender = await duck.createAppender('batch');

  const flush = async () => {
    if (!batch) return;
    appender.closeSync();
    bytes += await writeFile(duck, outDir, room, batch, batchSize);
    files++;
    rows += batch.rows;
    batch = undefined;
    appender = await duck.createAppender('batch');
  };

  for await (const [id, fields] of readStream(valkey, roomKeys(room).messages)) {
    const ts = messageIdTime(id);
    const date = partitionDate(ts);
    if (batch && (batch.date !== date || batch.rows >= batchSize)) await flush();
    batch ??= { date, firstId: id, lastId: id, rows: 0 };

    appender.appendVarchar(id);
    appender.appendVarchar(room);
    appender.appendVarchar(field(fields, 'u'));
    appender.appendVarchar(field(fields, 't'));
    appender.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(ts)));
    appender.endRow();
    batch.lastId = id;
    batch.rows++;
  }
  await flush();
  appender.closeSync();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;

  valkey.disconnect();
  duck.closeSync();
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MIB;
  const result: DuckDbExportResult = { rows, files, bytes, ms, rssBeforeMiB, peakRssMiB };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The stream oldest first, a page at a time, the next page requested before this one is used. */
async function* readStream(valkey: Valkey, key: string): AsyncGenerator<StreamEntry> {
  const page = (start: string) =>
    valkey.xrange(key, start, '+', 'COUNT', READ_PAGE_SIZE) as Promise<StreamEntry[]>;
  let next = page('-');
  for (;;) {
    const entries = await next;
    const more = entries.length === READ_PAGE_SIZE;
    if (more) next = page(`(${entries[entries.length - 1][0]}`);
    yield* entries;
    if (!more) return;
  }
}

/** Writes the batch table to its archive key as one Parquet file, then empties the table. */
async function writeFile(
  duck: DuckDBConnection,
  outDir: string,
  room: string,
  batch: Batch,
  rowGroupSize: number,
): Promise<number> {
  const key = archiveFileKey({ room, ...batch });
  const path = join(outDir, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  await duck.run(
    `COPY batch TO '${path.replace(/'/g, "''")}' ` +
      `(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${rowGroupSize})`,
  );
  await duck.run('DELETE FROM batch');
  return statSync(path).size;
}

function field(fields: string[], name: string): string {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return '';
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
