/**
 * `npm run bench:export`: the archive export at scale. Fills one room of a private Valkey with
 * BENCH_ROWS messages (1,000,000 by default, pipelined XADD), starts the built service, then
 * measures in the same run:
 *   - GET /api/v1/messages latency while the service is idle,
 *   - one export of the whole room through POST /api/v1/exports (rows per second),
 *   - the service's resident memory before and at its peak during the export (the export
 *     worker is a thread of the service process, so it is included),
 *   - GET /api/v1/messages latency during the export.
 * Prints the figures and writes them to bench/results/export-<date>.json. Never part of
 * `npm test`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';
import { Valkey } from 'iovalkey';

import { roomKeys, ROOMS_KEY } from '../src/valkey/room-keys';
import { describeMachine } from './report';
import { ROOT } from './support/paths';
import { Child, startHttpProgram, startValkey } from './support/processes';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const IDLE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const ROOM = '#bench-export';
const ARCHIVE_DIR = join(ROOT, 'bench/results/tmp/export-archive');

interface Latency {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly failed: number;
}

interface ExportAnswer {
  readonly rows: number;
  readonly files: unknown[];
  readonly bytes: number;
  readonly durationMs: number;
}

const log = (line: string) => process.stderr.write(`[bench:export] ${line}\n`);

/** Messages as the service stores them (stream fields u = user, t = text). */
async function fill(valkeyUrl: string): Promise<void> {
  const valkey = new Valkey(valkeyUrl);
  const started = Date.now();
  try {
    await valkey.sadd(ROOMS_KEY, ROOM);
    for (let i = 0; i < ROWS; i += 10_000) {
      const pipeline = valkey.pipeline();
      for (let j = i; j < Math.min(ROWS, i + 10_000); j++) {
        const text = `message ${j}: has anyone tried the new kernel on a ThinkPad? 🐧 wifi drops`;
        pipeline.xadd(roomKeys(ROOM).messages, '*', 'u', `user-${j % 500}`, 't', text);
      }
      await pipeline.exec();
    }
  } finally {
    valkey.disconnect();
  }
  log(`filled ${ROWS} messages in ${Date.now() - started} ms`);
}

/** Current and peak resident memory of a process, in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]);
  return { rss: field('VmRSS') / 1024, peak: field('VmHWM') / 1024 };
}

/** GET load that runs until `stop()` (or `seconds`), then resolves with its latency. */
function load(url: string, seconds: number): { done: Promise<Latency>; stop(): void } {
  let tracker: { stop(): void } | undefined;
  const done = new Promise<Latency>((resolve, reject) => {
    tracker = autocannon(
      { url, connections: CONNECTIONS, duration: seconds },
      (error: Error | null, result: autocannon.Result) =>
        error
          ? reject(error)
          : resolve({
              requests: result.requests.total,
              perSecond: Math.round(result.requests.average),
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              maxMs: result.latency.max,
              failed: result.errors + result.non2xx + result.timeouts,
            }),
    );
  });
  return { done, stop: () => tracker?.stop() };
}

async function main(): Promise<void> {
  const children: Child[] = [];
  try {
    const valkey = await startValkey();
    children.push(valkey.child);
    await fill(valkey.url);

    const service = await startHttpProgram(
      'service',
      join(__dirname, '../src/main.js'),
      {
        VALKEY_URL: valkey.url,
        ARCHIVE_DIR,
        TRIGGERS_ENABLED: 'false',
        LOG_LEVEL: 'warn',
      },
      '/health',
    );
    children.push(service.child);
    const { pid } = service.child;
    const messagesUrl = `${service.url}/api/v1/messages?room=${encodeURIComponent(ROOM)}`;

    await load(messagesUrl, 3).done;
    const idle = await load(messagesUrl, IDLE_SECONDS).done;
    log(`idle GET /messages: p99 ${idle.p99Ms} ms, ${idle.perSecond} req/s`);

    const before = memory(pid);
    let peak = before.rss;
    const sampler = setInterval(() => (peak = Math.max(peak, memory(pid).rss)), 50);
    const during = load(messagesUrl, 3600);
    const response = await fetch(`${service.url}/api/v1/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: ROOM }),
    });
    const answer = (await response.json()) as { exports: ExportAnswer[] };
    during.stop();
    clearInterval(sampler);
    const busy = await during.done;
    peak = Math.max(peak, memory(pid).peak);
    if (response.status !== 200) throw new Error(`export answered ${response.status}`);

    const exported = answer.exports[0];
    const results = {
      date: new Date().toISOString().slice(0, 10),
      machine: describeMachine(),
      method:
        `one room of ${ROWS} messages in a private Valkey, exported through POST ` +
        `/api/v1/exports to local disk (EXPORT_BATCH_SIZE default); GET /api/v1/messages ` +
        `(newest 100) under autocannon, ${CONNECTIONS} connections, idle for ${IDLE_SECONDS} s ` +
        'and during the whole export; RSS of the service process from /proc (worker included)',
      export: {
        rows: exported.rows,
        files: exported.files.length,
        bytes: exported.bytes,
        durationMs: exported.durationMs,
        rowsPerSecond: Math.round(exported.rows / (exported.durationMs / 1000)),
      },
      memoryMiB: { beforeExport: Math.round(before.rss), peakDuringExport: Math.round(peak) },
      getMessages: { idle, duringExport: busy },
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, `bench/results/export-${results.date}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
    log(`wrote ${file}`);
  } finally {
    for (const child of children.reverse()) await child.stop();
    rmSync(ARCHIVE_DIR, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
