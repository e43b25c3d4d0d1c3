'use strict';
/**
 * Makes sure a Valkey-compatible server answers: uses the one at the configured address, or
 * starts `valkey-server` (or `redis-server`) on loopback when none answers and one is installed.
 * Shared by the dev start script and the test set-up.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const SERVER_BINARIES = ['valkey-server', 'redis-server'];

function parseAddress(url) {
  const parsed = new URL(url.replace(/^valkey/, 'redis'));
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) };
}

/** Sends PING and waits for +PONG (or an auth error, which also proves a server). */
function ping({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

function findServerBinary() {
  for (const name of SERVER_BINARIES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

async function waitFor(address, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(address, 300)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Returns `{ url, started }`: `started` is the child process when one was launched here,
 * undefined when a server already answered. With `dataDir` the launched server keeps its data
 * there (append-only file); without, it keeps nothing.
 */
async function ensureValkey(url, { log = () => {}, dataDir } = {}) {
  const address = parseAddress(url);
  if (await ping(address)) return { url, started: undefined };

  const isLoopback = ['127.0.0.1', 'localhost', '::1'].includes(address.host);
  const binary = findServerBinary();
  if (!isLoopback || !binary) {
    throw new Error(
      `Nothing answers on ${address.host}:${address.port} and ` +
        (isLoopback ? 'no valkey-server or redis-server is installed. ' : 'it is not local. ') +
        'Install Valkey (apt-get install valkey-server, or redis-server 7) or point VALKEY_URL ' +
        'at a running server.',
    );
  }

  log(
    `No Valkey on ${address.host}:${address.port}; starting ${path.basename(binary)} there` +
      (dataDir ? ` with its data in ${dataDir}` : ''),
  );
  const child = await launch(binary, address.port, dataDir);
  return { url, started: child };
}

/**
 * Starts a server of the caller's own on a free loopback port, keeping nothing on disk: the
 * tests, the demo and the benchmarks run against one, so they never meet anyone's data.
 * Returns `{ url, started }`, or undefined when no server binary is installed.
 */
async function startPrivateValkey() {
  const binary = findServerBinary();
  if (!binary) return undefined;
  const port = await freePort();
  const child = await launch(binary, port, undefined);
  return { url: `redis://127.0.0.1:${port}`, started: child };
}

async function launch(binary, port, dataDir) {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'valkey-chat-'));
  fs.mkdirSync(dir, { recursive: true });
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--dir', dir];
  const persistence = ['--appendonly', dataDir ? 'yes' : 'no'];
  const child = spawn(binary, [...args, ...persistence], { stdio: 'ignore' });
  child.unref();

  if (!(await waitFor({ host: '127.0.0.1', port }, 5000))) {
    child.kill();
    throw new Error(`${binary} did not answer on port ${port} within 5 s`);
  }
  return child;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

module.exports = {
  ensureValkey,
  startPrivateValkey,
  freePort,
  ping,
  parseAddress,
  findServerBinary,
};
