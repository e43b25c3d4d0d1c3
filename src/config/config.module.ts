import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { MessageClock } from '../common/message-clock';
import { AppConfig, loadConfig } from './app-config';

/** Injection token for the frozen, validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** The configuration and the message clock, available everywhere. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig, clock: MessageClock): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: MessageClock, useValue: clock },
      ],
      exports: [APP_CONFIG, MessageClock],
    };
  }
}

/**
 * Merges `.env` (when there is one; real environment variables win) into the environment
 * through `@nestjs/config`, then validates everything at once.
 */
export async function loadConfigFromEnvironment(): Promise<AppConfig> {
  await ConfigModule.forRoot({ validate: (env) => ({ ...env, ...checked(env) }) });
  return loadConfig(process.env);
}

function checked(env: Record<string, unknown>): Record<string, unknown> {
  loadConfig(env as Record<string, string | undefined>);
  return {};
}
