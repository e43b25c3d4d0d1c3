import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

import { ArchiveService } from '../archive/archive.service';
import { ArchiveState } from '../archive/archive-state';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BadEventLog } from '../events/bad-event-log';
import { ChatEvents } from '../events/chat-events';
import { ExportCause, ExportQueue } from './export-queue';
import { ThresholdClaim, UnarchivedMessages } from './unarchived-messages';

/** Rooms archived at once by one instance; the export itself runs in a worker thread. */
const CONCURRENT_EXPORTS = 2;
/** Rooms whose count this instance keeps in memory; the least recently active go first. */
const TRACKED_ROOMS = 10_000;
/** A threshold export that found the room locked for the whole lock wait tries again then. */
const LOCKED_RETRY_MS = 1000;

/** This instance's estimate of a room's messages since the threshold last fired. */
interface RoomTally {
  estimate: number;
  checking: boolean;
}

/**
 * Decides when a room is archived and runs the exports in the background.
 *
 * The threshold costs almost nothing per message. Every instance receives every
 * `chat.message.created`, so each keeps an estimate per room that grows with the events, and
 * asks Valkey only when the estimate reaches the threshold; Valkey counts exactly and, when the
 * threshold is reached, tells exactly one instance so (UnarchivedMessages.claimThreshold). A
 * room seen for the first time is counted at once, so a restarted instance catches up.
 *
 * Bursts collapse: each threshold fires once across instances, one export per room runs at a
 * time here (ExportQueue) and across instances (the archive's export lock).
 */
@Injectable()
export class ExportTriggers implements OnApplicationShutdown {
  private readonly logger = new Logger(ExportTriggers.name);
  private readonly queue: ExportQueue;
  private readonly tallies = new Map<string, RoomTally>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly threshold: number;
  private listingRooms = false;
  private listAgain = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly archive: ArchiveService,
    private readonly archiveState: ArchiveState,
    private readonly unarchived: UnarchivedMessages,
    private readonly badEvents: BadEventLog,
  ) {
    this.threshold = config.exportThreshold;
    this.queue = new ExportQueue((room, cause) => this.export(room, cause), CONCURRENT_EXPORTS);
  }

  /** Counts the message; archives the room in the background when it reached the threshold. */
  async messageCreated(room: string): Promise<void> {
    const tally = this.tally(room);
    tally.estimate++;
    if (tally.estimate < this.threshold || tally.checking) return;

    tally.checking = true;
    const counted = tally.estimate;
    try {
      const claim = await this.claimThreshold(room);
      // Events that arrived while counting may or may not be in the count: keep them, since an
      // estimate too high costs one more count, one too low would delay the export.
      const arrived = tally.estimate - counted;
      tally.estimate = (claim.reached ? 0 : claim.count) + arrived;
    } catch (error) {
      this.logger.warn(`Counting the messages of room ${room} failed: ${messageOf(error)}`);
    } finally {
      tally.checking = false;
    }
  }

  /** Archives one room, or every room, now (after the export running for it, if any). */
  async exportRequested(room: string | undefined): Promise<void> {
    if (room === undefined) return this.requestAllRooms();

    try {
      if (!(await this.unarchived.roomExists(room))) {
        return this.badEvents.report(ChatEvents.exportRequested, `no room named ${room}`);
      }
    } catch (error) {
      return this.logger.warn(`Export of room ${room} not queued: ${messageOf(error)}`);
    }
    this.queue.request(room, 'request');
  }

  /** For the sweep: queues an export of a room whose messages waited too long. */
  archiveLate(room: string): void {
    this.queue.request(room, 'sweep');
  }

  /**
   * For the sweep: the threshold of a room whose events never came (lost while no instance
   * listened, or messages stored without events, as an import does). True when it was reached.
   */
  async sweepThreshold(room: string): Promise<boolean> {
    if ((await this.unarchived.hotCount(room)) < this.threshold) return false;
    return (await this.claimThreshold(room)).reached;
  }

  isQueued(room: string): boolean {
    return this.queue.has(room);
  }

  /** NOTE: exports still running are not waited for; an interrupted export is safe to redo. */
  onApplicationShutdown(): void {
    this.queue.stop();
    for (const timer of this.retries.values()) clearTimeout(timer);
  }

  /** Asks Valkey whether the threshold was reached, and queues the export when it was. */
  private async claimThreshold(room: string): Promise<ThresholdClaim> {
    const watermark = await this.archiveState.watermark(room);
    const claim = await this.unarchived.claimThreshold(room, watermark, this.threshold);
    if (claim.reached) this.queue.request(room, 'threshold');
    return claim;
  }

  /**
   * Queues every room. Requests for every room that arrive while the rooms are being listed
   * make one more listing afterwards, not one each: a flood of them costs two listings.
   */
  private async requestAllRooms(): Promise<void> {
    if (this.listingRooms) {
      this.listAgain = true;
      return;
    }

    this.listingRooms = true;
    try {
      do {
        this.listAgain = false;
        for await (const rooms of this.unarchived.rooms()) {
          for (const name of rooms) this.queue.request(name, 'request');
        }
      } while (this.listAgain);
    } catch (error) {
      this.logger.warn(`Listing the rooms to archive failed: ${messageOf(error)}`);
    } finally {
      this.listingRooms = false;
    }
  }

  /**
   * A threshold or a request must be served, so it waits for an export running elsewhere; the
   * sweep does not (a held lock means the room is being archived right now).
   */
  private async export(room: string, cause: ExportCause): Promise<void> {
    this.logger.log(`Archiving room ${room} (${describeCause(cause, this.threshold)})`);
    try {
      const result = await this.archive.exportRoom(room, { waitForLock: cause !== 'sweep' });
      if (result.skipped && cause === 'threshold') this.retryLater(room);
    } catch {
      // The archive service logged the failure and announced it on chat.export.failed.
      // NOTE: the threshold's mark has moved on, so a failed threshold export is not retried;
      // its messages go with the room's next export, at the latest the sweep's. A retry with
      // backoff per room would archive them sooner.
    }
  }

  /** The lock stayed held for the whole wait: try once more a little later. */
  private retryLater(room: string): void {
    if (this.retries.has(room)) return;

    const timer = setTimeout(() => {
      this.retries.delete(room);
      this.queue.request(room, 'threshold');
    }, LOCKED_RETRY_MS);
    this.retries.set(room, timer.unref());
  }

  /** The room's tally, most recently used last; a room seen for the first time gets counted. */
  private tally(room: string): RoomTally {
    let tally = this.tallies.get(room);
    if (tally) this.tallies.delete(room);
    else tally = { estimate: this.threshold - 1, checking: false };
    this.tallies.set(room, tally);

    if (this.tallies.size > TRACKED_ROOMS) {
      this.tallies.delete(this.tallies.keys().next().value as string);
    }
    return tally;
  }
}

function describeCause(cause: ExportCause, threshold: number): string {
  if (cause === 'threshold') return `${threshold} new messages reached EXPORT_THRESHOLD`;
  if (cause === 'sweep') return 'its oldest un-archived message is older than EXPORT_MAX_LAG_MS';
  return `asked for on ${ChatEvents.exportRequested}`;
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
