import { ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';

import { freePort, waitForHttp } from './archive-support';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** The built service (`dist/main.js`) as a child process on its own port. */
export class ServiceProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts the service and waits until it answers; its output goes to `logFile`. */
  static async start(env: Record<string, string>, logFile: string): Promise<ServiceProcess> {
    const port = await freePort();
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    const service = new ServiceProcess(`http://127.0.0.1:${port}`, child);
    await waitForHttp(`${service.url}/health`, 20_000);
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }

  async post(room: string, text: string): Promise<string | undefined> {
    const response = await fetch(`${this.url}/api/v1/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room, user: 'dave', text }),
    });
    return response.status === 201 ? ((await response.json()) as { id: string }).id : undefined;
  }

  async exportRoom(room: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.url}/api/v1/export?room=${encodeURIComponent(room)}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}
