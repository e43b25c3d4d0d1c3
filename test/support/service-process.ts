import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { freePort } from './private-valkey';
import { valkeyUrl } from './test-app';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '../..');

export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The built service (`dist/main.js`, made by `npm test`'s pretest build) as a real process,
 * for tests that kill, signal or run several instances.
 */
export class ServiceProcess {
  private readonly exited: Promise<ServiceExit>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    readonly output: string[],
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static async start(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        VALKEY_URL: valkeyUrl(),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'log',
        NO_COLOR: '1',
        // Triggers sweep every room of the database: tests that want them turn them on.
        TRIGGERS_ENABLED: 'false',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

    const service = new ServiceProcess(port, child, output);
    await waitFor(() => service.answers(), `service on port ${port} to answer`, 20_000);
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process is still running (it neither exited nor was killed). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves once the process has ended, with its exit code or the signal that ended it. */
  exit(): Promise<ServiceExit> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exit();
  }

  private async answers(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/health`)).ok;
    } catch {
      return false;
    }
  }
}
