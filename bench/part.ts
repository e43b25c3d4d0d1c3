/**
 * The shape every benchmark part has: it measures figures of the service side by side with a
 * reference measured in the same run, and says how many runs the median comes from.
 */
export interface Figure {
  /** What is measured, e.g. "ingest: messages/s". */
  readonly name: string;
  /** The service's median over `runs` runs. */
  readonly value: number;
  readonly unit: string;
  /** What the service is compared with, e.g. "bare Fastify + iovalkey". */
  readonly reference: string;
  /** The reference's median over the same number of runs. */
  readonly referenceValue: number;
  /** value / referenceValue. */
  readonly ratio: number;
  readonly runs: number;
  /** Whether a higher value is better (throughput) or a lower one (latency, memory). */
  readonly better: 'higher' | 'lower';
  /** Anything a reader needs to judge the figure. */
  readonly note?: string;
}

/** What the runner hands every part. */
export interface BenchContext {
  /** Compiled service entry point (`node <serviceMain>` starts the service). */
  readonly serviceMain: string;
  /** A scratch directory of this run, removed at the end. */
  readonly workDir: string;
  /** How many times each side is measured; the median is reported. */
  readonly runs: number;
  log(line: string): void;
}

export interface BenchPart {
  /** Short name used on the command line: `npm run bench -- ingest`. */
  readonly name: string;
  /** One line on what the part measures and how. */
  readonly method: string;
  run(context: BenchContext): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A figure from the runs of both sides: medians, and their ratio. */
export function figure(
  fields: Omit<Figure, 'value' | 'referenceValue' | 'ratio' | 'runs'>,
  values: readonly number[],
  referenceValues: readonly number[],
): Figure {
  const value = median(values);
  const referenceValue = median(referenceValues);
  return {
    ...fields,
    value: round(value),
    referenceValue: round(referenceValue),
    ratio: round(value / referenceValue, 3),
    runs: Math.min(values.length, referenceValues.length),
  };
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
