import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChatEvents } from '../events/chat-events';
import { EventPublisher } from '../events/event-publisher.service';
import { HealthService } from '../health/health.service';
import { MessageStore } from '../messages/message-store';
import { ValkeyUnavailableError } from '../valkey/valkey.service';
import { ExportResult } from './export-result';
import { ExportFailedError, ExportWorkerClient } from './export-worker.client';
import { ARCHIVE_STORE, ArchiveObjectStore } from './object-store.factory';
import { MissingBucketError } from './s3-object-store';

export { ExportResult } from './export-result';

export interface ExportOptions {
  /** Wait (bounded) for another export of the room to finish instead of skipping at once. */
  readonly waitForLock?: boolean;
}

/** The longest a waiting export waits for the room's lock: two lock lifetimes, at least 10 s. */
const MIN_LOCK_WAIT_MS = 10_000;

/**
 * Archives rooms to Parquet. The heavy part runs in a worker thread; this service takes the
 * requests, logs each export, announces it on `chat.export.completed` / `chat.export.failed`
 * and turns failures into answers that say what happened.
 */
@Injectable()
export class ArchiveService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ArchiveService.name);
  private readonly worker: ExportWorkerClient;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly messages: MessageStore,
    private readonly events: EventPublisher,
    @Inject(ARCHIVE_STORE) private readonly store: ArchiveObjectStore,
    health: HealthService,
  ) {
    this.worker = new ExportWorkerClient(config);
    health.register({ name: 'archive', isReady: () => this.store.isReady() });
  }

  /** Checks the archive store: a missing bucket stops start-up, an unreachable one is logged. */
  async onModuleInit(): Promise<void> {
    try {
      await this.store.prepare();
      this.logger.log(`Archive store ready at ${this.store.location}`);
    } catch (error) {
      if (error instanceof MissingBucketError) throw error;
      this.logger.error(`${(error as Error).message}; exports answer 503 until it is reachable`);
    }
  }

  async exportRoom(room: string, options: ExportOptions = {}): Promise<ExportResult> {
    const lockWaitMs = options.waitForLock
      ? Math.max(MIN_LOCK_WAIT_MS, 2 * this.config.exportLockTtlMs)
      : 0;

    let result: ExportResult;
    try {
      result = await this.worker.run(room, lockWaitMs);
    } catch (error) {
      const reason = (error as Error).message;
      this.logger.error(`Export of room ${room} failed: ${reason}`);
      await this.events.publish(ChatEvents.exportFailed, { room, reason });
      throw toHttpError(error, this.store.location);
    }

    if (result.skipped) {
      this.logger.debug(`Export of room ${room} skipped: another export holds its lock`);
      return result;
    }
    this.logger.log(
      `Exported room ${room}: ${result.rows} rows, ${result.files.length} files, ` +
        `${result.bytes} bytes, ${result.durationMs} ms`,
    );
    const { files, rows, bytes } = result;
    await this.events.publish(ChatEvents.exportCompleted, { room, files, rows, bytes });
    return result;
  }

  /** Exports every known room in turn; stops at the first failure, which it throws. */
  async exportAllRooms(options: ExportOptions = {}): Promise<ExportResult[]> {
    const rooms = (await this.messages.rooms()).sort();
    const results: ExportResult[] = [];
    for (const room of rooms) results.push(await this.exportRoom(room, options));
    return results;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    this.store.close?.();
  }
}

function toHttpError(error: unknown, location: string): Error {
  if (!(error instanceof ExportFailedError)) return error as Error;
  switch (error.kind) {
    case 'store':
      return new ServiceUnavailableException(
        `archive store ${location} is unavailable; the export stopped before moving the ` +
          'watermark, no message was lost, retry later',
      );
    case 'valkey':
      return new ValkeyUnavailableError();
    case 'lock-lost':
      return new ServiceUnavailableException(
        'the export took longer than its lock allows and was interrupted; nothing was lost, ' +
          'retry (or raise EXPORT_LOCK_TTL_MS)',
      );
    default:
      return error;
  }
}
