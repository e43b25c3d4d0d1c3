/** Why a room is archived: its own threshold, the periodic sweep, or someone's request. */
export type ExportCause = 'threshold' | 'sweep' | 'request';

/** Runs one export of a room; the queue never runs two of the same room at once. */
export type ExportJob = (room: string, cause: ExportCause) => Promise<void>;

interface RoomEntry {
  running: boolean;
  /** The cause of the export still to run: queued, or asked for while one was running. */
  next?: ExportCause;
}

/** A request outranks the sweep, which outranks the threshold, when they merge. */
const RANK: Record<ExportCause, number> = { threshold: 0, sweep: 1, request: 2 };

/**
 * Collapses export requests of this instance: one export per room at a time, a burst of
 * requests for a room becomes at most one more export after the running one, and at most
 * `concurrency` rooms are archived at once so exports never starve HTTP requests. Memory is
 * bounded by the number of distinct rooms waiting, which callers limit to rooms that exist.
 * Instances coordinate through the archive's export lock, not here.
 */
export class ExportQueue {
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly waiting: string[] = [];
  private running = 0;
  private stopped = false;

  constructor(
    private readonly job: ExportJob,
    private readonly concurrency: number,
  ) {}

  /** Queues an export of `room`; merged into the queued or running one when there is one. */
  request(room: string, cause: ExportCause): void {
    if (this.stopped) return;

    const entry = this.rooms.get(room);
    if (!entry) {
      this.rooms.set(room, { running: false, next: cause });
      this.waiting.push(room);
      this.startWaiting();
    } else if (!entry.next || RANK[cause] > RANK[entry.next]) {
      entry.next = cause;
    }
  }

  /** Whether an export of `room` is queued or running here. */
  has(room: string): boolean {
    return this.rooms.has(room);
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Takes no more work; what runs finishes (the archive makes an interrupted export safe). */
  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
  }

  private startWaiting(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      void this.runRoom(this.waiting.shift() as string);
    }
  }

  private async runRoom(room: string): Promise<void> {
    const entry = this.rooms.get(room) as RoomEntry;
    this.running++;
    entry.running = true;
    try {
      while (entry.next && !this.stopped) {
        const cause = entry.next;
        entry.next = undefined;
        await this.job(room, cause).catch(() => undefined);
      }
    } finally {
      this.rooms.delete(room);
      this.running--;
      this.startWaiting();
    }
  }
}
