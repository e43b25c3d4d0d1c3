import { ExportCause, ExportQueue } from './export-queue';

/** A job the test finishes by hand, recording what ran. */
class ManualJobs {
  readonly started: [string, ExportCause][] = [];
  private readonly finishers: (() => void)[] = [];

  readonly job = (room: string, cause: ExportCause): Promise<void> => {
    this.started.push([room, cause]);
    return new Promise((resolve) => this.finishers.push(resolve));
  };

  async finishNext(): Promise<void> {
    this.finishers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe(ExportQueue.name, () => {
  describe('request', () => {
    it('runs one export per room at a time and collapses a burst into one more', async () => {
      const jobs = new ManualJobs();
      const queue = new ExportQueue(jobs.job, 2);

      for (let i = 0; i < 100; i++) queue.request('general', 'threshold');
      expect(jobs.started).toEqual([['general', 'threshold']]);

      await jobs.finishNext();
      expect(jobs.started).toEqual([
        ['general', 'threshold'],
        ['general', 'threshold'],
      ]);

      await jobs.finishNext();
      expect(jobs.started).toHaveLength(2);
      expect(queue.has('general')).toBe(false);
    });

    it('keeps the strongest cause when requests merge', async () => {
      const jobs = new ManualJobs();
      const queue = new ExportQueue(jobs.job, 1);

      queue.request('a', 'threshold');
      queue.request('a', 'request');
      queue.request('a', 'sweep');
      await jobs.finishNext();

      expect(jobs.started).toEqual([
        ['a', 'threshold'],
        ['a', 'request'],
      ]);
    });

    it('archives at most `concurrency` rooms at once, the others in order of arrival', async () => {
      const jobs = new ManualJobs();
      const queue = new ExportQueue(jobs.job, 2);

      for (const room of ['a', 'b', 'c', 'd']) queue.request(room, 'sweep');
      expect(jobs.started.map(([room]) => room)).toEqual(['a', 'b']);
      expect(queue.size).toBe(4);

      await jobs.finishNext();
      expect(jobs.started.map(([room]) => room)).toEqual(['a', 'b', 'c']);
    });

    it('goes on after a job fails', async () => {
      const ran: string[] = [];
      const queue = new ExportQueue(async (room) => {
        ran.push(room);
        throw new Error('archive store unavailable');
      }, 1);

      queue.request('a', 'request');
      queue.request('b', 'request');
      await new Promise((resolve) => setImmediate(resolve));

      expect(ran).toEqual(['a', 'b']);
      expect(queue.size).toBe(0);
    });

    it('takes nothing once stopped', () => {
      const jobs = new ManualJobs();
      const queue = new ExportQueue(jobs.job, 1);

      queue.stop();
      queue.request('a', 'request');
      expect(jobs.started).toEqual([]);
    });
  });
});
