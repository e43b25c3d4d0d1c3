import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { ROOT } from './paths';

const { findServerBinary, ping } = require(join(ROOT, 'scripts/local-valkey.cjs'));

/** A free TCP port on loopback, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A child process the benchmark started and must stop. */
export class Child {
  private output = '';

  constructor(
    readonly name: string,
    private readonly process: ChildProcess,
  ) {
    const keep = (data: Buffer) => (this.output = (this.output + data.toString()).slice(-4000));
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get exited(): boolean {
    return this.process.exitCode !== null || this.process.signalCode !== null;
  }

  get lastOutput(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** A Valkey (or Redis) server of the benchmark's own: nothing on disk, gone at the end. */
export async function startValkey(): Promise<{ child: Child; url: string }> {
  const binary = findServerBinary();
  if (!binary) throw new Error('no valkey-server or redis-server installed');
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
  const child = new Child('valkey', spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitUntil(() => ping({ host: '127.0.0.1', port }, 300), `valkey on ${port}`, child);
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** Starts a Node program on a free port (given as PORT) and waits until it answers HTTP. */
export async function startHttpProgram(
  name: string,
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = new Child(
    name,
    spawn(process.execPath, [script], {
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => (await fetch(url + readyPath).catch(() => undefined))?.ok === true,
    `${name} on ${url}`,
    child,
  );
  return { child, url };
}

async function waitUntil(check: () => Promise<boolean>, what: string, child: Child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${what} exited:\n${child.lastOutput}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not answer within 30 s:\n${child.lastOutput}`);
}
