/**
 * Page latency of GET /api/v1/history for a one-day window over an archive of 1,000,000
 * messages, next to DuckDB's time for the same queries on the same files, and what the reader
 * skipped. The archive is written directly with DuckDB (10 dates, one file of 100,000 rows per
 * date, row groups of 50,000, SNAPPY) and kept in bench/results/tmp for the next run.
 *
 *   npm run bench:skips       (from the repository root; Valkey at VALKEY_URL, database 3)
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { createApp } from '../src/app.factory';
import { archiveFileKey, partitionDate, roomPrefix } from '../src/archive/archive-layout';
import { loadConfig } from '../src/config/app-config';
import { ArchiveReaderStats } from '../src/history/archive-reader';
import { HistoryService } from '../src/history/history.service';
import { roomKeys } from '../src/valkey/room-keys';

const ROOM = 'bench-room';
const MESSAGES = 1_000_000;
const DAYS = 10;
const FIRST_DAY = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;
const STEP_MS = DAY_MS / (MESSAGES / DAYS);
const PAGE = 100;
const COLD_RUNS = 20;
const ROOT = process.cwd();
const ARCHIVE_DIR = join(ROOT, 'bench/results/tmp/history-archive');
const VALKEY_DB = 3;

/** The window: 06:00 on the fifth date to 06:00 on the sixth, so it cuts two files. */
const FROM = FIRST_DAY + 4 * DAY_MS + 6 * 3_600_000;
const TO = FROM + DAY_MS;

async function main(): Promise<void> {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await buildArchive(duck);

  const base = new URL(process.env.VALKEY_URL ?? 'redis://127.0.0.1:6379');
  base.pathname = `/${VALKEY_DB}`;
  const valkey = new Valkey(base.toString());
  const lastId = `${FIRST_DAY + (MESSAGES - 1) * STEP_MS}-0`;
  await valkey.del(roomKeys(ROOM).messages);
  await valkey.hset(roomKeys(ROOM).archive, 'watermark', lastId);

  Logger.overrideLogger(['error']);
  const app = await createApp(
    loadConfig({ VALKEY_URL: base.toString(), ARCHIVE_DIR, PORT: '0', TRIGGERS_ENABLED: 'false' }),
  );
  await app.init();
  const reader = app.get(HistoryService).archive;

  try {
    const window = `from=${iso(FROM)}&to=${iso(TO)}`;
    const firstPage = `/api/v1/history?room=${ROOM}&${window}&limit=${PAGE}`;

    // Cold: caches dropped before every request.
    const cold: number[] = [];
    let coldStats: ArchiveReaderStats | undefined;
    for (let run = 0; run < COLD_RUNS; run++) {
      reader.clearCaches();
      reader.resetStats();
      cold.push((await timedGet(app, firstPage)).ms);
      coldStats = reader.stats();
    }

    // Warm: scrolling the whole window newest first, as a client does.
    reader.clearCaches();
    reader.resetStats();
    const scroll: number[] = [];
    const cursors: (string | undefined)[] = [];
    let before: string | undefined;
    let rows = 0;
    for (;;) {
      cursors.push(before);
      const url = before ? `${firstPage}&before=${before}` : firstPage;
      const { ms, body } = await timedGet(app, url);
      scroll.push(ms);
      rows += body.messages.length;
      if (!body.nextBefore) break;
      before = body.nextBefore;
    }
    const scrollStats = reader.stats();

    const duckFirst: number[] = [];
    for (let run = 0; run < COLD_RUNS; run++) duckFirst.push(await duckPage(duck, undefined));
    const duckScroll: number[] = [];
    for (const cursor of cursors) duckScroll.push(await duckPage(duck, cursor));
    const duckRows = await duckCount(duck);

    const report = {
      machine: `${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the end`,
      archive: `${MESSAGES} messages, ${DAYS} dates, ${DAYS} files, written by DuckDB`,
      window: `${iso(FROM)} .. ${iso(TO)} (${rows} messages; DuckDB counts ${duckRows})`,
      firstPageCold: { service: summary(cold), duckdb: summary(duckFirst), reader: coldStats },
      scrollWholeWindow: {
        pages: scroll.length,
        service: summary(scroll),
        duckdb: summary(duckScroll),
        reader: scrollStats,
      },
    };
    console.log(JSON.stringify(report, null, 2));
    await writeFile(join(ROOT, 'bench/results/tmp/history.json'), JSON.stringify(report, null, 2));
    if (rows !== duckRows) throw new Error(`service paged ${rows} rows, DuckDB counts ${duckRows}`);
  } finally {
    await valkey.del(roomKeys(ROOM).archive);
    valkey.disconnect();
    await app.close();
  }
}

async function buildArchive(duck: DuckDBConnection): Promise<void> {
  const marker = join(ARCHIVE_DIR, `.complete-${MESSAGES}`);
  if (existsSync(marker)) return;

  await rm(ARCHIVE_DIR, { recursive: true, force: true });
  const perDay = MESSAGES / DAYS;
  for (let day = 0; day < DAYS; day++) {
    const first = day * perDay;
    const ms = (i: number) => FIRST_DAY + i * STEP_MS;
    const key = archiveFileKey({
      room: ROOM,
      date: partitionDate(ms(first)),
      firstId: `${ms(first)}-0`,
      lastId: `${ms(first + perDay - 1)}-0`,
    });
    const path = join(ARCHIVE_DIR, ...key.split('/'));
    await mkdir(join(path, '..'), { recursive: true });
    await duck.run(
      `COPY (SELECT (${FIRST_DAY} + i * ${STEP_MS})::VARCHAR || '-0' AS id, '${ROOM}' AS room, ` +
        `'user' || (i % 50) AS "user", 'message ' || i || ' about the weather and the build' ` +
        `AS text, epoch_ms(${FIRST_DAY} + i * ${STEP_MS})::TIMESTAMP_MS AS ts ` +
        `FROM range(${first}, ${first + perDay}) t(i) ORDER BY i) TO '${path}' ` +
        '(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 50000)',
    );
  }
  await writeFile(marker, '');
}

const filesGlob = () => join(ARCHIVE_DIR, roomPrefix(ROOM), '**', '*.parquet');

/** The same page the service answers: newest first in the window, older than the cursor. */
async function duckPage(duck: DuckDBConnection, before: string | undefined): Promise<number> {
  const cursor = before ? `AND ts < epoch_ms(${before.split('-')[0]})::TIMESTAMP_MS` : '';
  const started = process.hrtime.bigint();
  await duck.runAndReadAll(
    `SELECT id, room, "user", text, ts FROM read_parquet('${filesGlob()}', ` +
      `hive_partitioning = false) WHERE ts >= epoch_ms(${FROM})::TIMESTAMP_MS AND ` +
      `ts < epoch_ms(${TO})::TIMESTAMP_MS ${cursor} ORDER BY ts DESC LIMIT ${PAGE + 1}`,
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function duckCount(duck: DuckDBConnection): Promise<number> {
  const result = await duck.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM read_parquet('${filesGlob()}', hive_partitioning = ` +
      `false) WHERE ts >= epoch_ms(${FROM})::TIMESTAMP_MS AND ts < epoch_ms(${TO})::TIMESTAMP_MS`,
  );
  return Number(result.getRowObjects()[0].n);
}

interface PageBody {
  messages: unknown[];
  nextBefore?: string;
}

async function timedGet(
  app: NestFastifyApplication,
  url: string,
): Promise<{ ms: number; body: PageBody }> {
  const started = process.hrtime.bigint();
  const response = await app.inject({ method: 'GET', url });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.body}`);
  return { ms, body: response.json() as PageBody };
}

function summary(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(at(1)), n: sorted.length };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
