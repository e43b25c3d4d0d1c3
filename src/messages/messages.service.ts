import { Injectable } from '@nestjs/common';

import { ChatMessage, MessagePage } from '../common/chat-message';
import { MessageClock } from '../common/message-clock';
import { ChatEvents } from '../events/chat-events';
import { EventPublisher } from '../events/event-publisher.service';
import { toMessageDto } from './dto/message.dto';
import { MessageStore } from './message-store';

@Injectable()
export class MessagesService {
  constructor(
    private readonly store: MessageStore,
    private readonly events: EventPublisher,
    private readonly clock: MessageClock,
  ) {}

  /** Stores the message, then announces it; the announcement never fails the write. */
  async post(room: string, user: string, text: string): Promise<ChatMessage> {
    const message = await this.store.append(room, user, text, this.clock.idSpec());
    await this.events.publish(ChatEvents.messageCreated, toMessageDto(message));
    return message;
  }

  async newest(room: string, limit: number, before?: string): Promise<MessagePage> {
    return this.store.newest(room, limit, before);
  }
}
