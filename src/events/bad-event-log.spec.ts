import { Logger, LoggerService } from '@nestjs/common';

import { BAD_EVENT_LINES_PER_MINUTE, BadEventLog } from './bad-event-log';

/** Collects what the Nest logger writes. */
class CollectingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(message);
  }
  error(message: string): void {
    this.lines.push(message);
  }
}

describe(BadEventLog.name, () => {
  let logger: CollectingLogger;

  beforeEach(() => {
    logger = new CollectingLogger();
    Logger.overrideLogger(logger);
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });

  afterEach(() => {
    jest.useRealTimers();
    Logger.overrideLogger(new Logger());
  });

  describe('report', () => {
    it('writes one line per bad event with the reason and a short escaped preview', () => {
      new BadEventLog().report('chat.export.requested', 'not JSON', 'a\nb' + 'x'.repeat(500));

      expect(logger.lines).toHaveLength(1);
      const [line] = logger.lines;
      expect(line).toContain('Dropped a chat.export.requested event (not JSON)');
      expect(line).toContain('"a\\nbxxx');
      expect(line).toContain('(503 characters)');
      expect(line).not.toContain('\n');
      expect(line.length).toBeLessThan(250);
    });

    it('writes at most the per-minute bound, then one line with the count it left out', () => {
      const log = new BadEventLog();
      for (let i = 0; i < 1000; i++) log.report('chat.message.created', 'wrong shape', { i });

      expect(logger.lines).toHaveLength(BAD_EVENT_LINES_PER_MINUTE);

      jest.advanceTimersByTime(60_000);
      expect(logger.lines).toHaveLength(BAD_EVENT_LINES_PER_MINUTE + 1);
      expect(logger.lines.at(-1)).toBe(
        `Dropped ${1000 - BAD_EVENT_LINES_PER_MINUTE} more bad events in the last minute`,
      );

      log.report('chat.message.created', 'wrong shape');
      expect(logger.lines).toHaveLength(BAD_EVENT_LINES_PER_MINUTE + 2);
    });

    it('never fails on a payload it cannot serialise', () => {
      const deep: unknown[] = [];
      let inner = deep;
      for (let i = 0; i < 100_000; i++) inner = (inner[0] = []) as unknown[];

      new BadEventLog().report('chat.export.requested', 'wrong shape', deep);
      expect(logger.lines[0]).toContain('[object Array]');
    });
  });
});
