// `npm run demo`: the service's main job on real chat, in one command. Starts the service with
// the embedded defaults (local disk archive, a local Valkey of its own) or uses DEMO_URL,
// imports the IRC sample shipped in samples/irc, lets the triggers archive it, reads a room's
// newest page and scrolls back into the archive, runs a history query, and ends with an
// analytics query that DuckDB runs straight on the Parquet archive.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

const require = createRequire(import.meta.url);
const { freePort, startPrivateValkey } = require('./local-valkey.cjs');
const { ImportClient } = require('../dist/import/cli/import-client.js');

const ROOT = resolve(import.meta.dirname, '..');
const SAMPLES = join(ROOT, 'samples/irc');
const ARCHIVE_WAIT_MS = 120_000;
const HOT_RETENTION = 500;
const started = Date.now();
const children = [];

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

async function step(title, run) {
  say(`\n== ${title}`);
  const stepStarted = Date.now();
  const result = await run();
  say(`   (${((Date.now() - stepStarted) / 1000).toFixed(2)} s)`);
  return result;
}

async function waitFor(condition, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${body.message ?? ''}`);
  return body;
}

/** A Valkey of the demo's own, so the demo can run again and again from a clean slate. */
async function startValkey() {
  const server = await startPrivateValkey();
  if (!server) {
    throw new Error(
      'the demo starts a Valkey of its own: install valkey-server or redis-server, ' +
        'or point DEMO_URL at a running valkey-chat',
    );
  }
  children.push(server.started);
  return server.url;
}

async function startService(archiveDir) {
  const valkeyUrl = await startValkey();
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    VALKEY_URL: valkeyUrl,
    ARCHIVE_DIR: archiveDir,
    // The sweep finds imported (old) messages at once; a short period keeps the demo short.
    SWEEP_INTERVAL_MS: '1000',
    // Fewer hot messages than a room holds, so that scrolling back reaches the archive.
    HOT_RETENTION: String(HOT_RETENTION),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const service = spawn(process.execPath, [join(ROOT, 'dist/main.js')], { env, stdio: 'inherit' });
  children.push(service);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true,
    'service start',
    30_000,
  );
  say(`   service at ${url}, Valkey at ${valkeyUrl}, archive in ${archiveDir}`);
  say(
    '   (embedded defaults, except a sweep every second instead of every minute ' +
      `and ${HOT_RETENTION} hot messages per room instead of 10,000)`,
  );
  return url;
}

async function importSample(url) {
  const files = readdirSync(SAMPLES)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(SAMPLES, name));
  const client = new ImportClient(url);
  for (const file of files) await client.importFile(file);

  const { lines, imported, refused, rooms } = client.totals;
  say(`   ${files.length} files, ${lines} lines: imported ${imported}, refused ${refused}`);
  for (const [room, count] of [...rooms].sort()) say(`     ${room.padEnd(16)} ${count}`);
  for (const refusal of client.totals.refusals.slice(0, 5)) {
    say(`     refused ${refusal.file}:${refusal.line}: ${refusal.reason}`);
  }
  return client.totals;
}

async function archivedCount(db, archiveDir) {
  const files = listParquet(archiveDir);
  if (files.length === 0) return 0;
  const reader = await db.runAndReadAll(
    `SELECT count(*) AS n FROM read_parquet('${archiveDir}/**/*.parquet')`,
  );
  return Number(reader.getRowObjects()[0].n);
}

function listParquet(dir) {
  try {
    return readdirSync(dir, { recursive: true }).filter((name) => name.endsWith('.parquet'));
  } catch {
    return [];
  }
}

async function scrollBack(url, room, imported) {
  let before = '';
  let pages = 0;
  let messages = 0;
  let oldest;
  let newest;
  for (;;) {
    const query = `room=${encodeURIComponent(room)}&limit=1000${before && `&before=${before}`}`;
    const page = await getJson(`${url}/api/v1/messages?${query}`);
    pages++;
    messages += page.messages.length;
    newest ??= page.messages[0];
    oldest = page.messages.at(-1) ?? oldest;
    if (!page.hasMore) break;
    before = page.nextBefore;
  }
  say(`   newest: [${newest.ts}] <${newest.user}> ${newest.text.slice(0, 70)}`);
  say(`   oldest: [${oldest.ts}] <${oldest.user}> ${oldest.text.slice(0, 70)}`);
  say(`   ${messages} messages in ${pages} pages of up to 1000, newest first`);
  say(`   (Valkey holds the newest ${HOT_RETENTION}; the rest came from the Parquet archive)`);
  if (messages !== imported) throw new Error(`scrolled ${messages} of ${imported} messages`);
  return messages;
}

async function historyQuery(url, db, archiveDir, room) {
  const talker = await db.runAndReadAll(
    `SELECT "user", min(ts) AS first FROM read_parquet('${archiveDir}/**/*.parquet',
       hive_partitioning = true) WHERE room = '${room}' GROUP BY "user"
     ORDER BY count(*) DESC LIMIT 1`,
  );
  const { user, first } = talker.getRowObjects()[0];
  const from = new Date(first.toString().replace(' ', 'T') + 'Z');
  const to = new Date(from.getTime() + 30 * 86_400_000);
  const query =
    `room=${encodeURIComponent(room)}&user=${encodeURIComponent(user)}` +
    `&from=${from.toISOString()}&to=${to.toISOString()}&limit=5`;
  const page = await getJson(`${url}/api/v1/history?${query}`);
  say(`   GET /api/v1/history?${decodeURIComponent(query)}`);
  for (const message of page.messages) {
    say(`     [${message.ts}] <${message.user}> ${message.text.slice(0, 60)}`);
  }
  say(`   ${page.messages.length} shown, more: ${page.hasMore}`);
}

async function analytics(db, archiveDir) {
  const source = `read_parquet('${archiveDir}/**/*.parquet', hive_partitioning = true)`;
  const perYear = await db.runAndReadAll(
    `SELECT room, year(ts) AS year, count(*) AS messages FROM ${source}
     GROUP BY ALL ORDER BY room, year`,
  );
  say('   messages per room per year:');
  for (const row of perYear.getRowObjects()) {
    say(`     ${String(row.room).padEnd(16)} ${row.year}  ${row.messages}`);
  }
  const talkers = await db.runAndReadAll(
    `SELECT "user", count(*) AS messages, count(DISTINCT room) AS rooms FROM ${source}
     GROUP BY ALL ORDER BY messages DESC LIMIT 5`,
  );
  say('   top talkers:');
  for (const row of talkers.getRowObjects()) {
    say(`     ${String(row.user).padEnd(12)} ${row.messages} messages in ${row.rooms} rooms`);
  }
}

async function main() {
  const remote = process.env.DEMO_URL?.replace(/\/$/, '');
  const archiveDir = resolve(process.env.DEMO_ARCHIVE_DIR ?? join(ROOT, 'data/demo/archive'));
  if (!remote) {
    rmSync(archiveDir, { recursive: true, force: true });
    mkdirSync(archiveDir, { recursive: true });
  }
  const db = await (await DuckDBInstance.create(':memory:')).connect();

  const url = await step('Start the service', async () => {
    if (!remote) return startService(archiveDir);
    say(`   using DEMO_URL=${remote}, archive read from ${archiveDir}`);
    return remote;
  });

  const totals = await step('Import the IRC sample (samples/irc) through POST /api/v1/import', () =>
    importSample(url),
  );

  await step('Let the triggers archive it (the sweep finds quiet rooms)', async () => {
    await waitFor(
      async () => (await archivedCount(db, archiveDir)) >= totals.imported,
      `archiving ${totals.imported} messages`,
      ARCHIVE_WAIT_MS,
    );
    const files = listParquet(archiveDir);
    say(`   ${totals.imported} messages archived in ${files.length} Parquet files`);
    say(`   e.g. ${files.sort()[0]}`);
  });

  const room = '#ubuntu-meeting';
  await step(`Read the newest page of ${room} and scroll back into the archive`, () =>
    scrollBack(url, room, totals.rooms.get(room)),
  );

  await step(`History: the busiest author of ${room} in the first 30 days`, () =>
    historyQuery(url, db, archiveDir, room),
  );

  await step('Analytics: DuckDB straight on the Parquet archive', () => analytics(db, archiveDir));

  say(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Stops the service first and waits for it, then its Valkey. */
async function stopChildren() {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
}

main().then(
  async () => {
    await stopChildren();
    process.exit(0);
  },
  async (error) => {
    process.stderr.write(`\ndemo failed: ${error.message}\n`);
    await stopChildren();
    process.exit(1);
  },
);
