import { Injectable } from '@nestjs/common';

import { ValkeyService } from '../valkey/valkey.service';

/** One dependency the service needs to answer requests. */
export interface ReadinessCheck {
  readonly name: string;
  isReady(): Promise<boolean>;
}

export type ReadinessReport = Record<string, 'up' | 'down'>;

/** Collects readiness checks: Valkey here, other modules add theirs at start-up. */
@Injectable()
export class HealthService {
  private readonly checks: ReadinessCheck[] = [];

  constructor(valkey: ValkeyService) {
    this.register({ name: 'valkey', isReady: () => valkey.isReachable() });
  }

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  async readiness(): Promise<ReadinessReport> {
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
