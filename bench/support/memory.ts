import { readFileSync, writeFileSync } from 'node:fs';

const MIB = 1024 * 1024;
const SAMPLE_MS = 50;

/** Resident memory of a process from /proc, in MiB: now (VmRSS) and its peak (VmHWM). */
export function residentMemory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssMiB: (kib('VmRSS') * 1024) / MIB, peakMiB: (kib('VmHWM') * 1024) / MIB };
}

/**
 * The peak resident memory of a running process over a stretch of time, threads included.
 * Linux resets the process's peak (VmHWM) when "5" is written to its clear_refs, so the peak
 * read at the end is exact; where that is refused, RSS sampled every 50 ms stands in.
 */
export class PeakMemory {
  private sampledMiB = 0;
  private readonly timer?: NodeJS.Timeout;
  private readonly exact: boolean;

  private constructor(private readonly pid: number) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      this.exact = true;
    } catch {
      this.exact = false;
      this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    }
    this.sample();
  }

  static watch(pid: number): PeakMemory {
    return new PeakMemory(pid);
  }

  /** Stops watching; the peak in MiB since `watch`. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.exact ? residentMemory(this.pid).peakMiB : this.sampledMiB;
  }

  private sample(): void {
    this.sampledMiB = Math.max(this.sampledMiB, residentMemory(this.pid).rssMiB);
  }
}
