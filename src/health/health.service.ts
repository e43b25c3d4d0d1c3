import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

import { ValkeyService } from '../valkey/valkey.service';

/** One dependency the service needs to answer requests. */
export interface ReadinessCheck {
  readonly name: string;
  isReady(): Promise<boolean>;
}

export type ReadinessReport = Record<string, 'up' | 'down'>;

/**
 * Collects readiness checks: Valkey here, other modules add theirs at start-up. Once shutdown
 * begins the service reports itself not ready, so a load balancer stops sending new requests
 * while the ones in flight finish.
 */
@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthService.name);
  private readonly checks: ReadinessCheck[] = [];
  private shuttingDown = false;

  constructor(valkey: ValkeyService) {
    this.register({ name: 'valkey', isReady: () => valkey.isReachable() });
  }

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  beforeApplicationShutdown(signal?: string): void {
    this.shuttingDown = true;
    this.logger.log(`Shutting down${signal ? ` on ${signal}` : ''}: finishing requests in flight`);
  }

  async readiness(): Promise<ReadinessReport> {
    if (this.shuttingDown) return { shutdown: 'down' };
    const results = await Promise.all(
      this.checks.map(async (check) => [check.name, await safely(check)] as const),
    );
    return Object.fromEntries(results.map(([name, up]) => [name, up ? 'up' : 'down']));
  }
}

async function safely(check: ReadinessCheck): Promise<boolean> {
  try {
    return await check.isReady();
  } catch {
    return false;
  }
}
