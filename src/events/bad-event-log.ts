import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

/** Lines about bad events per minute; beyond that they are counted and summed up once. */
export const BAD_EVENT_LINES_PER_MINUTE = 20;
const WINDOW_MS = 60_000;
const REASON_CHARS = 300;
const PREVIEW_CHARS = 80;

/**
 * Reports events that were dropped. Anyone who can publish on Valkey can send anything, as
 * often as they like: each bad event costs at most one log line, and at most
 * `BAD_EVENT_LINES_PER_MINUTE` of them a minute, so a flood cannot fill the disk.
 */
@Injectable()
export class BadEventLog implements OnApplicationShutdown {
  private readonly logger = new Logger(BadEventLog.name);
  private windowStart = 0;
  private lines = 0;
  private suppressed = 0;
  private summary?: NodeJS.Timeout;

  /** `body`, when given, is shown as a short escaped preview, never in full. */
  report(channel: string, reason: string, body?: unknown): void {
    const now = Date.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.lines = 0;
    }
    if (this.lines >= BAD_EVENT_LINES_PER_MINUTE) {
      this.suppressed++;
      this.summary ??= setTimeout(() => this.flush(), this.windowStart + WINDOW_MS - now).unref();
      return;
    }

    this.lines++;
    const preview = body === undefined ? '' : `: ${previewOf(body)}`;
    this.logger.warn(`Dropped a ${channel} event (${shortened(reason)})${preview}`);
  }

  onApplicationShutdown(): void {
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.summary);
    this.summary = undefined;
    if (this.suppressed === 0) return;

    this.logger.warn(`Dropped ${this.suppressed} more bad events in the last minute`);
    this.suppressed = 0;
  }
}

/** The first characters of a body, JSON-escaped so that it stays on one line. */
/** A reason can list every field of a hostile payload: one log line keeps its start. */
function shortened(reason: string): string {
  return reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS)}…` : reason;
}

function previewOf(body: unknown): string {
  let text: string;
  try {
    text = typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body));
  } catch {
    text = Object.prototype.toString.call(body);
  }
  const cut = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
  return `${JSON.stringify(cut)} (${text.length} characters)`;
}
