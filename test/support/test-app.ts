import { randomBytes } from 'node:crypto';

import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createApp } from '../../src/app.factory';
import { AppOverrides } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';

const BASE_VALKEY_URL = process.env.VALKEY_URL ?? 'redis://127.0.0.1:6379';

/**
 * The Valkey URL for one test file. Suites that act on "every room" use a database index of
 * their own, so they never touch rooms of other suites; nothing is ever flushed.
 */
export function valkeyUrl(db = 0): string {
  const url = new URL(BASE_VALKEY_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

/**
 * A configuration as the service would read it, with test overrides. Triggers are off unless a
 * test turns them on: their sweep acts on every room of the database.
 */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    VALKEY_URL: valkeyUrl(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    TRIGGERS_ENABLED: 'false',
    ...overrides,
  });
}

/** The real application, ready for `inject()`, against the real Valkey. */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): Promise<NestFastifyApplication> {
  const app = await createApp(testConfig(env), overrides);
  await app.startAllMicroservices();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** A room name no other test (or earlier run) uses, so tests never touch each other's data. */
export function uniqueRoom(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
