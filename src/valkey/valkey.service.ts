import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Valkey } from 'iovalkey';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** How long a command may wait for Valkey before the request gets its 503. */
const COMMAND_TIMEOUT_MS = 1500;
const RECONNECT_MAX_DELAY_MS = 1000;
const STARTUP_WAIT_MS = 3000;

export class ValkeyUnavailableError extends ServiceUnavailableException {
  constructor() {
    super('Valkey is unavailable; nothing was changed, retry in a few seconds');
  }
}

/**
 * Owns the command connection to Valkey. Commands never queue while Valkey is away: they fail
 * at once, so a request answers 503 quickly instead of hanging, and the client keeps
 * reconnecting in the background.
 */
@Injectable()
export class ValkeyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ValkeyService.name);
  readonly client: Valkey;
  private down = false;
  private closing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = createValkeyClient(config.valkeyUrl, 'valkey-chat');
    this.client.on('ready', () => this.markUp());
    this.client.on('error', (error: Error) => this.markDown(error));
    this.client.on('close', () => this.markDown());
  }

  /** Waits briefly for the first connection; without one the service starts and answers 503. */
  async onModuleInit(): Promise<void> {
    if (await waitUntilReady(this.client, STARTUP_WAIT_MS)) return;
    this.logger.error(`Valkey not reachable at start-up; requests get 503 until it answers`);
  }

  /** Runs Valkey commands, turning a lost connection into a 503 that says what happened. */
  async run<T>(commands: (client: Valkey) => Promise<T>): Promise<T> {
    try {
      return await commands(this.client);
    } catch (error) {
      if (isConnectionFailure(error)) throw new ValkeyUnavailableError();
      throw error;
    }
  }

  async isReachable(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private markDown(error?: Error): void {
    if (this.down || this.closing) return;
    this.down = true;
    const cause = error?.message ?? 'connection closed';
    this.logger.error(`Valkey unreachable (${cause}); requests get 503 until it returns`);
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Valkey reachable again; serving requests');
  }
}

/** A client that fails fast while disconnected and reconnects forever. */
export function createValkeyClient(url: string, name: string): Valkey {
  return new Valkey(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS),
  });
}

/** Resolves true once the client is ready, false after `timeoutMs`. */
export function waitUntilReady(client: Valkey, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}

/** Errors that Valkey itself answered (wrong type, syntax) are bugs, not outages. */
function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name !== 'ReplyError';
}
