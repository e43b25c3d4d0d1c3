/**
 * Decides the id (and so the time) a new message gets. In production Valkey picks it (`*`), which
 * keeps ids ordered even when the machines' clocks disagree; tests set the time to build
 * archives that span several dates.
 */
export abstract class MessageClock {
  /** The id argument for XADD: `*`, or `<epoch-ms>-*` for a given millisecond. */
  abstract idSpec(): string;
}

export class ValkeyClock extends MessageClock {
  idSpec(): string {
    return '*';
  }
}

/** A clock tests move by hand; it must never go back behind a room's newest message. */
export class ManualClock extends MessageClock {
  constructor(private ms: number) {
    super();
  }

  set(ms: number): void {
    this.ms = ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  now(): number {
    return this.ms;
  }

  idSpec(): string {
    return `${this.ms}-*`;
  }
}
