import { join } from 'node:path';

import { BenchContext } from '../part';
import { Child, startHttpProgram, startValkey } from './processes';

/** The service and the bare reference, each its own process, over one private Valkey. */
export interface ServicePair {
  readonly valkeyUrl: string;
  readonly serviceUrl: string;
  readonly bareUrl: string;
  stop(): Promise<void>;
}

/** The service alone over a private Valkey, for parts whose reference is not a server. */
export interface ServiceAlone {
  readonly valkeyUrl: string;
  readonly serviceUrl: string;
  /** The service's process id, to read its memory from /proc. */
  readonly servicePid: number;
  stop(): Promise<void>;
}

export const BARE_REFERENCE = 'bare Fastify + iovalkey, no Nest';

/** The built service on `valkeyUrl`, triggers off, archive in the run's scratch directory. */
export function startService(
  context: BenchContext,
  valkeyUrl: string,
  env: Record<string, string> = {},
): Promise<{ child: Child; url: string }> {
  return startHttpProgram(
    'service',
    context.serviceMain,
    {
      VALKEY_URL: valkeyUrl,
      TRIGGERS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      ARCHIVE_DIR: join(context.workDir, 'archive'),
      ...env,
    },
    '/health',
  );
}

export async function startServicePair(context: BenchContext): Promise<ServicePair> {
  const children: Child[] = [];
  const stop = () => stopAll(children);
  try {
    const valkey = await startValkey();
    children.push(valkey.child);
    const service = await startService(context, valkey.url);
    children.push(service.child);
    const bare = await startHttpProgram(
      'bare reference',
      join(__dirname, '../reference/bare-server.js'),
      { VALKEY_URL: valkey.url },
      '/health',
    );
    children.push(bare.child);
    return { valkeyUrl: valkey.url, serviceUrl: service.url, bareUrl: bare.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A private Valkey and the service on it, with `env` added to the service's environment. */
export async function startServiceAlone(
  context: BenchContext,
  env: Record<string, string> = {},
): Promise<ServiceAlone> {
  const children: Child[] = [];
  const stop = () => stopAll(children);
  try {
    const valkey = await startValkey();
    children.push(valkey.child);
    const service = await startService(context, valkey.url, env);
    children.push(service.child);
    return {
      valkeyUrl: valkey.url,
      serviceUrl: service.url,
      servicePid: service.child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopAll(children: Child[]): Promise<void> {
  for (const child of [...children].reverse()) await child.stop();
}

/**
 * Runs `measure` on both sides `runs` times, alternating which goes first, so that drift of a
 * noisy machine falls on both alike.
 */
export async function alternate<T>(
  runs: number,
  measure: (side: 'service' | 'bare') => Promise<T>,
): Promise<{ service: T[]; bare: T[] }> {
  const results = { service: [] as T[], bare: [] as T[] };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? (['service', 'bare'] as const) : (['bare', 'service'] as const);
    for (const side of order) results[side].push(await measure(side));
  }
  return results;
}
