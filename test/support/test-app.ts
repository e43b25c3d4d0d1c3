import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';

import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';

export const VALKEY_URL = process.env.VALKEY_URL ?? 'redis://127.0.0.1:6379';

/** A configuration as the service would read it, with test overrides. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({ VALKEY_URL, PORT: '0', HOST: '127.0.0.1', ...overrides });
}

/** The real application, ready for `inject()`, against the real Valkey. */
export async function startTestApp(
  overrides: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  const app = await createApp(testConfig(overrides));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** A room name no other test (or earlier run) uses, so tests never touch each other's data. */
export function uniqueRoom(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
