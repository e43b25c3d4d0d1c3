import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import { AppConfig } from '../config/app-config';
import { ExportFailureKind, ExportResult } from './export-result';
import { ExportJob, ExportOutcome } from './export-worker.protocol';

/** An export the worker could not finish, with why. */
export class ExportFailedError extends Error {
  constructor(
    readonly kind: ExportFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'ExportFailedError';
  }
}

/**
 * Starts the export worker thread on first use and sends it one job per export. A worker that
 * dies (out of memory, a bug) fails its running jobs and is replaced on the next job.
 */
export class ExportWorkerClient {
  private worker?: Worker;
  private nextId = 1;
  private readonly running = new Map<number, (outcome: ExportOutcome) => void>();

  constructor(private readonly config: AppConfig) {}

  async run(room: string, lockWaitMs: number): Promise<ExportResult> {
    const worker = this.worker ?? this.start();
    const job: ExportJob = { id: this.nextId++, room, lockWaitMs };
    const outcome = await new Promise<ExportOutcome>((settle) => {
      this.running.set(job.id, settle);
      worker.postMessage(job);
    });
    if (!outcome.ok) throw new ExportFailedError(outcome.kind, outcome.message);
    return outcome.result;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(workerFile(), { workerData: { config: this.config } });
    worker.unref();
    worker.on('message', (outcome: ExportOutcome) => {
      this.running.get(outcome.id)?.(outcome);
      this.running.delete(outcome.id);
    });
    worker.on('error', (error) => this.fail(worker, `export worker failed: ${error.message}`));
    worker.on('exit', (code) => this.fail(worker, `export worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, message: string): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, settle] of this.running) settle({ id, ok: false, kind: 'internal', message });
    this.running.clear();
  }
}

/**
 * The compiled worker beside this file; when the service runs from TypeScript sources (the
 * tests, through ts-jest) that is the build in `dist/`, which `npm test` refreshes first.
 */
function workerFile(): string {
  const beside = join(__dirname, 'export-worker.js');
  if (existsSync(beside)) return beside;

  const built = resolve(__dirname, '..', '..', 'dist', 'archive', 'export-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`export worker not built: run "npm run build" (looked for ${built})`);
}
