import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';

import { ArchiveState } from '../archive/archive-state';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ExportTriggers } from './export-triggers.service';
import { UnarchivedMessages } from './unarchived-messages';

/** Bounds of the default sweep interval, a quarter of EXPORT_MAX_LAG_MS. */
const MIN_DEFAULT_INTERVAL_MS = 250;
const MAX_DEFAULT_INTERVAL_MS = 60_000;

/** SWEEP_INTERVAL_MS, or when 0 a quarter of the maximum lag (from 250 ms to one minute). */
export function sweepInterval(config: AppConfig): number {
  if (config.sweepIntervalMs > 0) return config.sweepIntervalMs;
  const quarter = Math.round(config.exportMaxLagMs / 4);
  return Math.min(MAX_DEFAULT_INTERVAL_MS, Math.max(MIN_DEFAULT_INTERVAL_MS, quarter));
}

/**
 * Archives quiet rooms. Pub/Sub keeps nothing: an event published while no instance listens is
 * gone, and a room that then goes quiet would never reach its threshold. The sweep looks at every
 * room through the command connection (not Pub/Sub) and archives each whose oldest un-archived
 * message is older than EXPORT_MAX_LAG_MS, so the lag stays bounded whatever events were lost.
 * It also checks the threshold of rooms that have enough messages for it, whose events may have
 * been lost too (or never sent: an import stores messages without events).
 * Every instance sweeps; the archive's export lock keeps them from archiving a room twice.
 */
@Injectable()
export class ArchiveSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ArchiveSweep.name);
  private readonly intervalMs: number;
  private readonly maxLagMs: number;
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private failing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly archiveState: ArchiveState,
    private readonly unarchived: UnarchivedMessages,
    private readonly triggers: ExportTriggers,
  ) {
    this.intervalMs = sweepInterval(config);
    this.maxLagMs = config.exportMaxLagMs;
  }

  onApplicationBootstrap(): void {
    this.logger.log(
      `Sweeping every ${this.intervalMs} ms for rooms with messages older than ${this.maxLagMs} ms`,
    );
    this.timer = setInterval(() => void this.sweep(), this.intervalMs).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over every room; a pass still running when the next is due makes that one skip. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const late = await this.findLateRooms();
      for (const room of late) this.triggers.archiveLate(room);
      this.recovered();
      return late.length;
    } catch (error) {
      this.failed(error);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  private async findLateRooms(): Promise<string[]> {
    const cutoff = (await this.unarchived.now()) - this.maxLagMs;
    const late: string[] = [];
    for await (const rooms of this.unarchived.rooms()) {
      const due = await Promise.all(rooms.map((room) => this.isLate(room, cutoff)));
      late.push(...rooms.filter((_, index) => due[index]));
    }
    return late;
  }

  /** Late: its oldest un-archived message is older than the lag (else its threshold is checked). */
  private async isLate(room: string, cutoff: number): Promise<boolean> {
    if (this.triggers.isQueued(room)) return false;

    const watermark = await this.archiveState.watermark(room);
    const oldest = await this.unarchived.oldestTime(room, watermark);
    if (oldest === undefined) return false;
    if (oldest <= cutoff) return true;

    await this.triggers.sweepThreshold(room);
    return false;
  }

  /** A failing sweep (Valkey away) is logged once, and once more when it works again. */
  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `Sweep failed, retrying every ${this.intervalMs} ms: ${(error as Error).message}`,
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Sweep works again');
  }
}
