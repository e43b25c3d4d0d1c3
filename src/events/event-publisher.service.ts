import { Injectable, Logger } from '@nestjs/common';

import { ValkeyService } from '../valkey/valkey.service';
import { ChatEventPattern, ChatEventPayloads } from './chat-events';

/**
 * Publishes events in Nest's Redis-transport wire format. A failed publish is logged and
 * swallowed: the event bus is best effort, and what it announces is already stored.
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger(EventPublisher.name);

  constructor(private readonly valkey: ValkeyService) {}

  async publish<P extends ChatEventPattern>(pattern: P, data: ChatEventPayloads[P]): Promise<void> {
    try {
      await this.valkey.client.publish(pattern, JSON.stringify({ pattern, data }));
    } catch (error) {
      this.logger.warn(`Could not publish ${pattern}: ${(error as Error).message}`);
    }
  }
}
