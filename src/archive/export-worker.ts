/**
 * The export worker thread: encodes and uploads archive files off the HTTP event loop. It owns
 * its own Valkey client and object store, built from the configuration the service passes in;
 * no Nest dependency injection here.
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

import { AppConfig } from '../config/app-config';
import { createValkeyClient, waitUntilReady } from '../valkey/valkey.service';
import { ExportJob, ExportOutcome } from './export-worker.protocol';
import { createObjectStore } from './object-store.factory';
import { failureKind, RoomExporter } from './room-exporter';

const { config } = workerData as { config: AppConfig };

const client = createValkeyClient(config.valkeyUrl, 'valkey-chat-export');
// The service's own client reports Valkey outages; here they surface as failed exports.
client.on('error', () => undefined);

/** How long a job waits for the worker's first connection (or a reconnection) to Valkey. */
const VALKEY_WAIT_MS = 2000;

const store = createObjectStore(config);
const exporter = new RoomExporter(client, store, {
  batchSize: config.exportBatchSize,
  lockTtlMs: config.exportLockTtlMs,
  hotRetention: config.hotRetention,
  scratchDir: scratchDirectory(),
});

parentPort!.on('message', (job: ExportJob) => {
  void run(job).then((outcome) => parentPort!.postMessage(outcome));
});

async function run(job: ExportJob): Promise<ExportOutcome> {
  try {
    await waitUntilReady(client, VALKEY_WAIT_MS);
    const result = await exporter.export(job.room, job.lockWaitMs);
    return { id: job.id, ok: true, result };
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    return { id: job.id, ok: false, kind: failureKind(error), message };
  }
}

/**
 * This process's scratch directory. Files of a process that was killed stay behind in its own
 * directory; those of processes no longer alive are removed here.
 */
function scratchDirectory(): string {
  const root = join(tmpdir(), 'valkey-chat-export');
  let entries: string[] = [];
  try {
    entries = readdirSync(root);
  } catch {
    // No scratch files yet.
  }
  for (const entry of entries) {
    if (/^\d+$/.test(entry) && !isAlive(Number(entry))) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
  return join(root, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
