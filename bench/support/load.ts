import autocannon from 'autocannon';

import { Figure, figure } from '../part';

export interface LoadResult {
  /** Successful (2xx) answers per second over the whole run. */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly connections?: number;
  readonly seconds: number;
}

/** Drives one URL with autocannon and keeps the figures the benchmarks report. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    body: options.body,
    headers: options.headers,
    connections: options.connections ?? 64,
    duration: options.seconds,
  });
  const ok = result['2xx'];
  return {
    perSecond: ok / (result.duration || options.seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** Throughput, p50 and p99 of both sides as figures, medians over the runs. */
export function loadFigures(
  part: string,
  rate: { readonly name: string; readonly unit: string },
  results: { readonly service: LoadResult[]; readonly bare: LoadResult[] },
  reference: string,
): Figure[] {
  const failed = [...results.service, ...results.bare].reduce((sum, r) => sum + r.failed, 0);
  const common = { reference, note: failed > 0 ? `${failed} requests failed` : undefined };
  const of = (key: keyof LoadResult) =>
    [results.service.map((r) => r[key]), results.bare.map((r) => r[key])] as const;

  return [
    figure(
      { name: `${part}: ${rate.name}`, unit: rate.unit, better: 'higher', ...common },
      ...of('perSecond'),
    ),
    figure(
      { name: `${part}: p50 latency`, unit: 'ms', better: 'lower', ...common },
      ...of('p50Ms'),
    ),
    figure(
      { name: `${part}: p99 latency`, unit: 'ms', better: 'lower', ...common },
      ...of('p99Ms'),
    ),
  ];
}

export function describeLoad(result: LoadResult): string {
  return (
    `${Math.round(result.perSecond)}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms` +
    (result.failed > 0 ? `, ${result.failed} failed` : '')
  );
}
