import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisContext, RedisStatus, ServerRedis } from '@nestjs/microservices';
import { Valkey } from 'iovalkey';

import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { HealthService } from '../health/health.service';
import { BadEventLog } from './bad-event-log';

/** How often the event connection tries again while Valkey is away; it never gives up. */
export const EVENT_RECONNECT_DELAY_MS = 500;
/** Room for the envelope and JSON escapes around a message that passed the HTTP body limit. */
const EVENT_SIZE_SLACK_BYTES = 64 * 1024;
const SUBSCRIBE_TIMEOUT_MS = 2000;

type RawPacket = { pattern?: unknown; data?: unknown; id?: unknown };

/**
 * Nest's Redis transport (same wire format, same `@EventPattern` handlers) on an iovalkey
 * subscriber, made to survive what Pub/Sub brings:
 * - it reconnects forever and subscribes again after every reconnection, and reports in
 *   readiness whether it is subscribed;
 * - it only ever handles events. Nest treats a body carrying an `id` as a request and answers it
 *   on `<channel>.reply`, a channel the sender picks; here such a body is dropped, everything
 *   else goes to `handleEvent`, and nothing is ever published;
 * - bodies larger than the HTTP body limit (plus room for the envelope) are dropped before
 *   they are parsed.
 * It uses no publisher connection: the service publishes through its command connection.
 */
@Injectable()
export class ChatEventServer extends ServerRedis {
  protected override readonly logger = new Logger(ChatEventServer.name);
  private readonly maxEventBytes: number;
  private subscribed = false;
  private down = false;
  private resubscribe?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly badEvents: BadEventLog,
    private readonly health: HealthService,
  ) {
    super({ retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: EVENT_RECONNECT_DELAY_MS });
    this.maxEventBytes = config.bodyLimitBytes + EVENT_SIZE_SLACK_BYTES;
  }

  override async listen(callback: (error?: unknown) => void): Promise<void> {
    const subscriber = this.createSubscriber();
    this.subClient = subscriber;
    subscriber.on('message', (channel: string, body: string) => {
      this.handleMessage(channel, body).catch((error: Error) =>
        this.handleError(error.stack ?? ''),
      );
    });
    subscriber.on('ready', () => void this.subscribeAll());
    subscriber.on('error', (error: Error) => this.markDown(error.message));
    subscriber.on('close', () => this.markDown('connection closed'));

    this.health.register({ name: 'events', isReady: () => this.isSubscribed() });
    // A first connection that fails is retried like any other; the service starts meanwhile.
    subscriber.connect().catch(() => undefined);
    callback();
  }

  /** Every message is an event: parsed, bounded, and never answered. */
  override async handleMessage(channel: string, body: string): Promise<void> {
    const packet = this.toEventPacket(channel, body);
    if (packet) await this.handleEvent(channel, packet, new RedisContext([channel]));
  }

  async isSubscribed(): Promise<boolean> {
    const subscriber = this.subClient as Valkey | undefined;
    if (!subscriber || subscriber.status !== 'ready' || !this.subscribed) return false;
    await subscriber.ping();
    return true;
  }

  override async close(): Promise<void> {
    this.isManuallyClosed = true;
    clearTimeout(this.resubscribe);
    // `quit` would wait for a Valkey that may be gone; nothing is pending on this connection.
    (this.subClient as Valkey | undefined)?.disconnect();
  }

  private createSubscriber(): Valkey {
    return new Valkey(this.config.valkeyUrl, {
      connectionName: 'valkey-chat-events',
      lazyConnect: true,
      // Subscriptions are made again on every `ready` below, where a refusal is caught.
      autoResubscribe: false,
      maxRetriesPerRequest: null,
      commandTimeout: SUBSCRIBE_TIMEOUT_MS,
      retryStrategy: (attempt: number) => this.createRetryStrategy(attempt) ?? null,
    });
  }

  private async subscribeAll(): Promise<void> {
    clearTimeout(this.resubscribe);
    const channels = [...this.messageHandlers.keys()];
    try {
      await (this.subClient as Valkey).subscribe(...channels);
      this.subscribed = true;
      this.markUp(channels);
    } catch (error) {
      this.markDown(`subscribing failed: ${(error as Error).message}`);
      if (this.isManuallyClosed) return;
      this.resubscribe = setTimeout(() => void this.subscribeAll(), EVENT_RECONNECT_DELAY_MS);
    }
  }

  /** The packet Nest would build, without an `id`: an event, or undefined when it is dropped. */
  private toEventPacket(channel: string, body: string): { pattern: string; data: unknown } | void {
    const bytes = Buffer.byteLength(body);
    if (bytes > this.maxEventBytes) {
      return this.badEvents.report(channel, `${bytes} bytes, more than ${this.maxEventBytes}`);
    }

    const value = this.parseMessage(body) as unknown;
    if (!isEnvelope(value)) return { pattern: channel, data: value };

    if (value.id !== undefined) {
      return this.badEvents.report(channel, 'a request (it carries an id): only events are taken');
    }
    return { pattern: channel, data: value.data };
  }

  private markDown(cause: string): void {
    this.subscribed = false;
    if (this.down || this.isManuallyClosed) return;

    this.down = true;
    this._status$.next(RedisStatus.DISCONNECTED);
    this.logger.error(
      `Event connection to Valkey lost (${cause}); events are missed until it returns, ` +
        'the periodic sweep still archives quiet rooms; ' +
        `retrying every ${EVENT_RECONNECT_DELAY_MS} ms`,
    );
  }

  private markUp(channels: string[]): void {
    this._status$.next(RedisStatus.CONNECTED);
    if (this.down) this.logger.log(`Event connection back; subscribed to ${channels.join(', ')}`);
    else this.logger.log(`Subscribed to ${channels.join(', ')}`);
    this.down = false;
  }
}

/**
 * Nest's rule for an incoming body: an object with `pattern` or `data` is an envelope, anything
 * else (a bare object, `null`, a number, a string that was not JSON) is the payload itself.
 */
function isEnvelope(value: unknown): value is RawPacket {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return 'pattern' in value || 'data' in value;
}
