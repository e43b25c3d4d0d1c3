// Export benchmark: fills one room with BENCH_ROWS messages (1,000,000 by default, pipelined
// XADD straight into Valkey), starts the built service, then measures in the same run:
//   - GET /messages latency while idle,
//   - an export of the whole room through POST /api/v1/exports (rows per second),
//   - the service's peak RSS during the export (the export worker is a thread of it),
//   - GET /messages latency during the export.
// Usage: npm run bench:export   (env: BENCH_ROWS, BENCH_VALKEY_DB, VALKEY_URL, BENCH_SECONDS)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';
import { Valkey } from 'iovalkey';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DB = Number(process.env.BENCH_VALKEY_DB ?? 1);
const IDLE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const base = new URL(process.env.VALKEY_URL ?? 'redis://127.0.0.1:6379');
base.pathname = `/${DB}`;
const valkeyUrl = base.toString();

const room = `bench-${Date.now().toString(36)}`;
const keys = {
  messages: `chat:{${room}}:messages`,
  archive: `chat:{${room}}:archive`,
  lock: `chat:{${room}}:export-lock`,
};
const archiveDir = mkdtempSync(join(tmpdir(), 'valkey-chat-bench-'));
const say = (line) => process.stderr.write(`[bench] ${line}\n`);

async function fill(client) {
  const started = Date.now();
  const text = 'The quick brown fox jumps over the lazy dog, again and again. 🦊';
  await client.sadd('chat:rooms', room);
  for (let i = 0; i < ROWS; i += 10_000) {
    const pipeline = client.pipeline();
    // Stream fields as the service writes them: u = user, t = text.
    for (let j = i; j < Math.min(ROWS, i + 10_000); j++) {
      pipeline.xadd(keys.messages, '*', 'u', `user${j % 97}`, 't', `${text} #${j}`);
    }
    await pipeline.exec();
  }
  say(`filled ${ROWS} messages in ${Date.now() - started} ms`);
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startService(port) {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      VALKEY_URL: valkeyUrl,
      ARCHIVE_DIR: archiveDir,
      TRIGGERS_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      await sleep(100);
    }
  }
  throw new Error('service did not start');
}

/** Resident set size (current and peak) of a process, in MiB, from /proc. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

function load(url, seconds) {
  let tracker;
  const done = new Promise((resolve, reject) => {
    tracker = autocannon({ url, connections: CONNECTIONS, duration: seconds }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
  return { done, stop: () => tracker.stop() };
}

function latency(result) {
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.non2xx,
  };
}

const client = new Valkey(valkeyUrl);
let service;
try {
  await fill(client);
  const port = await freePort();
  service = await startService(port);
  const messagesUrl = `http://127.0.0.1:${port}/api/v1/messages?room=${room}&limit=100`;

  await load(messagesUrl, 2).done; // warm-up
  const idle = latency(await load(messagesUrl, IDLE_SECONDS).done);
  say(`idle GET /messages: p99 ${idle.p99} ms`);

  const before = memory(service.pid);
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(service.pid).rss)), 50);
  const during = load(messagesUrl, 3600);
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/exports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room }),
  });
  const exported = await response.json();
  during.stop();
  clearInterval(sampler);
  const busy = latency(await during.done);
  peak = Math.max(peak, memory(service.pid).peak);

  if (response.status !== 200) throw new Error(`export answered ${response.status}`);
  const result = exported.exports[0];
  const report = {
    rows: result.rows,
    files: result.files.length,
    bytes: result.bytes,
    exportMs: result.durationMs,
    rowsPerSecond: Math.round(result.rows / (result.durationMs / 1000)),
    rssBeforeExportMiB: Math.round(before.rss),
    peakRssDuringExportMiB: Math.round(peak),
    getMessagesIdle: idle,
    getMessagesDuringExport: busy,
    node: process.version,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  service?.kill('SIGTERM');
  await client.del(keys.messages, keys.archive, keys.lock);
  await client.srem('chat:rooms', room);
  client.disconnect();
  rmSync(archiveDir, { recursive: true, force: true });
}
