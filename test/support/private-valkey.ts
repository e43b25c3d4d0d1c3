import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const localValkey = require('../../scripts/local-valkey.cjs');
const { findServerBinary, ping } = localValkey;

/** A free TCP port on loopback, as the kernel hands it out. */
export const freePort: () => Promise<number> = localValkey.freePort;

/**
 * A Valkey-compatible server of the test's own, on a free loopback port, that the test may stop
 * and start again. It keeps its data across restarts (append-only file), as a production
 * server would, so a restart loses nothing that was acknowledged.
 */
export class PrivateValkey {
  private process?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'valkey-chat-private-'));

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly persistent: boolean,
  ) {}

  /**
   * Undefined when no valkey-server or redis-server is installed. `persistent: false` keeps
   * nothing on disk, for tests that write much and never restart the server.
   */
  static async create({ persistent = true } = {}): Promise<PrivateValkey | undefined> {
    const binary = findServerBinary();
    if (!binary) return undefined;
    const server = new PrivateValkey(await freePort(), binary, persistent);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir];
    const persistence = this.persistent
      ? ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
      : ['--save', '', '--appendonly', 'no'];
    this.process = spawn(this.binary, [...args, ...persistence], { stdio: 'ignore' });
    await this.waitUntil(true);
  }

  /** Stops the server the way an operator would (SIGTERM: it flushes and exits). */
  async stop(): Promise<void> {
    const stopped = new Promise((resolve) => this.process?.once('exit', resolve));
    this.process?.kill('SIGTERM');
    await stopped;
    await this.waitUntil(false);
  }

  async dispose(): Promise<void> {
    if (this.process && this.process.exitCode === null) await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntil(answering: boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if ((await ping({ host: '127.0.0.1', port: this.port }, 300)) === answering) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`server on port ${this.port} did not ${answering ? 'start' : 'stop'}`);
  }
}
