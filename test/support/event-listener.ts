import { Valkey } from 'iovalkey';

import { valkeyUrl } from './test-app';
import { waitFor } from './wait-for';

export interface ReceivedEvent {
  readonly channel: string;
  readonly body: string;
}

/**
 * A plain Pub/Sub subscriber, as another service would have: collects what is published on
 * the given channels and channel patterns (Pub/Sub channels are shared by every database).
 */
export class EventListener {
  readonly received: ReceivedEvent[] = [];

  private constructor(private readonly subscriber: Valkey) {}

  static async start(
    channels: string[],
    patterns: string[] = [],
    url = valkeyUrl(),
  ): Promise<EventListener> {
    const subscriber = new Valkey(url);
    const listener = new EventListener(subscriber);
    subscriber.on('message', (channel: string, body: string) =>
      listener.received.push({ channel, body }),
    );
    subscriber.on('pmessage', (_pattern: string, channel: string, body: string) =>
      listener.received.push({ channel, body }),
    );
    if (channels.length > 0) await subscriber.subscribe(...channels);
    if (patterns.length > 0) await subscriber.psubscribe(...patterns);
    return listener;
  }

  /** Payloads (`data`) of the events on `channel` whose payload has `room`. */
  payloads<T = Record<string, unknown>>(channel: string, room?: string): T[] {
    return this.received
      .filter((event) => event.channel === channel)
      .map((event) => JSON.parse(event.body).data)
      .filter((data) => room === undefined || data?.room === room);
  }

  async next<T = Record<string, unknown>>(
    channel: string,
    room: string,
    seen = 0,
    timeoutMs = 15_000,
  ): Promise<T> {
    await waitFor(
      () => this.payloads(channel, room).length > seen,
      `a ${channel} event for ${room}`,
      timeoutMs,
    );
    return this.payloads<T>(channel, room)[seen];
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
