import { randomUUID } from 'node:crypto';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { Valkey } from 'iovalkey';

import { compareMessageIds } from '../common/message-id';
import { toMessage } from '../messages/message-store';
import { roomKeys } from '../valkey/room-keys';
import { archiveFileKey, partitionDate } from './archive-layout';
import { ArchiveState, ArchiveStateUnavailableError, PendingRange } from './archive-state';
import { ExportedFile, ExportFailureKind, ExportResult } from './export-result';
import { ArchiveStoreUnavailableError, ObjectStore } from './object-store';
import { ArchiveFileWriter } from './parquet-codec';

/** Stream entries read per XRANGE: bounded so a read never holds much of a room in memory. */
const READ_PAGE_SIZE = 5000;

export interface RoomExporterOptions {
  readonly batchSize: number;
  readonly lockTtlMs: number;
  readonly hotRetention: number;
  /** Where files are encoded before the store publishes them. */
  readonly scratchDir: string;
}

/** The export lost its lock (expired while it ran): someone else may finish the range. */
export class LockLostError extends Error {
  constructor(room: string) {
    super(`the export lock of room ${room} expired while exporting; the range is finished later`);
    this.name = 'LockLostError';
  }
}

type StreamEntry = [id: string, fields: string[]];

/** An archive file being written: a contiguous run of messages within one UTC date. */
interface OpenFile {
  readonly date: string;
  readonly path: string;
  readonly writer: ArchiveFileWriter;
  readonly firstId: string;
  lastId: string;
}

/**
 * Exports one room, exactly once:
 * 1. takes the room's lock (token + time to live, renewed while running);
 * 2. finishes first the range an earlier run recorded and did not finish, if any; then fixes
 *    the range after the watermark up to the newest message now, and records it;
 * 3. writes the range in files that depend only on its contents (a new file at each new UTC
 *    date and every `batchSize` rows), each made visible whole by the store, so a resumed run
 *    writes the same keys again instead of an overlapping second file;
 * 4. advances the watermark once every file is visible, only if the lock is still its own;
 * 5. trims the hot tier to the newest `hotRetention` messages, removing only archived ones.
 */
export class RoomExporter {
  private readonly state: ArchiveState;

  constructor(
    private readonly client: Valkey,
    private readonly store: ObjectStore,
    private readonly options: RoomExporterOptions,
  ) {
    this.state = new ArchiveState(client);
  }

  async export(room: string, lockWaitMs = 0): Promise<ExportResult> {
    const started = Date.now();
    const token = await this.state.acquireLock(room, this.options.lockTtlMs, lockWaitMs);
    if (!token) return { ...emptyResult(room, started), skipped: 'locked' };

    const lock = new LockKeeper(this.state, room, token, this.options.lockTtlMs);
    try {
      const files: ExportedFile[] = [];
      // First the range an earlier run recorded and did not finish, then what came after it.
      const unfinished = await this.state.pending(room);
      if (unfinished) files.push(...(await this.exportRange(room, token, unfinished, lock)));

      const range = await this.newRange(room, token);
      if (range) files.push(...(await this.exportRange(room, token, range, lock)));

      await this.state.trimHotTier(room, this.options.hotRetention);
      return result(room, files, started);
    } finally {
      lock.stop();
      await this.state.releaseLock(room, token).catch(() => undefined);
    }
  }

  /** (watermark, newest], recorded as pending; none when the room is up to date. */
  private async newRange(room: string, token: string): Promise<PendingRange | undefined> {
    const newest = await this.newestId(room);
    const watermark = await this.state.watermark(room);
    if (!newest || (watermark && compareMessageIds(newest, watermark) <= 0)) return undefined;

    const range = { upTo: newest, batchSize: this.options.batchSize };
    if (!(await this.state.recordPending(room, token, range))) throw new LockLostError(room);
    return range;
  }

  /** Writes the range's files, then advances the watermark over it. */
  private async exportRange(
    room: string,
    token: string,
    range: PendingRange,
    lock: LockKeeper,
  ): Promise<ExportedFile[]> {
    const files = await this.writeRange(room, range, lock);
    if (!(await this.state.advanceWatermark(room, token, range.upTo))) {
      throw new LockLostError(room);
    }
    return files;
  }

  private async writeRange(
    room: string,
    range: PendingRange,
    lock: LockKeeper,
  ): Promise<ExportedFile[]> {
    await mkdir(this.options.scratchDir, { recursive: true });
    const watermark = await this.state.watermark(room);
    const files: ExportedFile[] = [];
    let open: OpenFile | undefined;

    try {
      for await (const message of this.read(room, watermark, range.upTo)) {
        const date = partitionDate(message.ts);
        if (open && (open.date !== date || open.writer.rowCount >= range.batchSize)) {
          files.push(await this.publish(room, open, lock));
          open = undefined;
        }
        open ??= await this.openFile(date, message.id, range.batchSize);
        await open.writer.append(message);
        open.lastId = message.id;
      }
      if (open) files.push(await this.publish(room, open, lock));
      open = undefined;
      return files;
    } finally {
      if (open) await open.writer.close().catch(() => undefined);
      if (open) await unlink(open.path).catch(() => undefined);
    }
  }

  private async openFile(date: string, firstId: string, rowGroupSize: number): Promise<OpenFile> {
    const path = join(this.options.scratchDir, `${randomUUID()}.parquet.tmp`);
    const writer = await ArchiveFileWriter.toFile(path, rowGroupSize);
    return { date, path, writer, firstId, lastId: firstId };
  }

  /** Finishes the file and hands it to the store, which makes it visible whole. */
  private async publish(room: string, file: OpenFile, lock: LockKeeper): Promise<ExportedFile> {
    try {
      const { rows, bytes } = await file.writer.close();
      const key = archiveFileKey({
        room,
        date: file.date,
        firstId: file.firstId,
        lastId: file.lastId,
      });
      await lock.confirm();
      await this.store.putFile(key, file.path);
      return { key, rows, bytes };
    } finally {
      await unlink(file.path).catch(() => undefined);
    }
  }

  /**
   * The room's messages after `watermark` up to `upTo`, oldest first, a page at a time; the next
   * page is read while the current one is encoded.
   */
  private async *read(room: string, watermark: string | undefined, upTo: string) {
    const key = roomKeys(room).messages;
    const page = (start: string): Promise<StreamEntry[]> => {
      const entries = this.valkey(
        () =>
          this.client.xrange(key, start, upTo, 'COUNT', READ_PAGE_SIZE) as Promise<StreamEntry[]>,
      );
      // Awaited below; this only keeps an abandoned read-ahead from being an unhandled rejection.
      entries.catch(() => undefined);
      return entries;
    };

    let next = page(watermark ? `(${watermark}` : '-');
    for (;;) {
      const entries = await next;
      const more = entries.length === READ_PAGE_SIZE;
      if (more) next = page(`(${entries[entries.length - 1][0]}`);
      for (const entry of entries) yield toMessage(room, entry);
      if (!more) return;
    }
  }

  private async newestId(room: string): Promise<string | undefined> {
    const entries = (await this.valkey(() =>
      this.client.xrevrange(roomKeys(room).messages, '+', '-', 'COUNT', 1),
    )) as StreamEntry[];
    return entries[0]?.[0];
  }

  private async valkey<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if ((error as Error)?.name === 'ReplyError') throw error;
      throw new ArchiveStateUnavailableError(error);
    }
  }
}

/**
 * Renews the lock every third of its time to live. A failed renewal marks the lock lost, and
 * the export stops before it publishes another file.
 *
 * NOTE: a process paused longer than the lock's time to live between its last renewal and an
 * upload (a stop-the-world pause, SIGSTOP) could still publish one file after another instance
 * took over and trimmed; a fencing check in the store (conditional PUT) would close that gap.
 */
class LockKeeper {
  private lost = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly state: ArchiveState,
    private readonly room: string,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Renews now; throws when the lock is no longer ours. */
  async confirm(): Promise<void> {
    if (this.lost || !(await this.renew())) throw new LockLostError(this.room);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<boolean> {
    try {
      if (!(await this.state.renewLock(this.room, this.token, this.ttlMs))) this.lost = true;
    } catch {
      // Valkey unreachable for a moment: the next renewal or the fenced commit decides.
    }
    return !this.lost;
  }
}

/** Sorts an export failure into what the service answers. */
export function failureKind(error: unknown): ExportFailureKind {
  if (error instanceof ArchiveStoreUnavailableError) return 'store';
  if (error instanceof ArchiveStateUnavailableError) return 'valkey';
  if (error instanceof LockLostError) return 'lock-lost';
  return 'internal';
}

function emptyResult(room: string, started: number): ExportResult {
  return { room, files: [], rows: 0, bytes: 0, durationMs: Date.now() - started };
}

function result(room: string, files: ExportedFile[], started: number): ExportResult {
  return {
    room,
    files,
    rows: files.reduce((sum, file) => sum + file.rows, 0),
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    durationMs: Date.now() - started,
  };
}
