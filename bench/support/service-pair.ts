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

export const BARE_REFERENCE = 'bare Fastify + iovalkey, no Nest';

export async function startServicePair(context: BenchContext): Promise<ServicePair> {
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
  };
  try {
    const valkey = await startValkey();
    children.push(valkey.child);
    const service = await startHttpProgram(
      'service',
      context.serviceMain,
      {
        VALKEY_URL: valkey.url,
        TRIGGERS_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        ARCHIVE_DIR: join(context.workDir, 'archive'),
      },
      '/health',
    );
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
