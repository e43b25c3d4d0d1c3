import { Injectable } from '@nestjs/common';

import { ChatMessage, MessagePage } from '../common/chat-message';
import { MessageClock } from '../common/message-clock';
import { ChatEvents } from '../events/chat-events';
import { EventPublisher } from '../events/event-publisher.service';
import { HistoryService } from '../history/history.service';
import { toMessageDto } from './dto/message.dto';
import { MessageStore } from './message-store';

@Injectable()
export class MessagesService {
  constructor(
    private readonly store: MessageStore,
    private readonly events: EventPublisher,
    private readonly clock: MessageClock,
    private readonly history: HistoryService,
  ) {}

  /** Stores the message, then announces it; the announcement never fails the write. */
  async post(room: string, user: string, text: string): Promise<ChatMessage> {
    const message = await this.store.append(room, user, text, this.clock.idSpec());
    await this.events.publish(ChatEvents.messageCreated, toMessageDto(message));
    return message;
  }

  /** Newest first; past the oldest hot message, paging goes on into the archive. */
  async newest(room: string, limit: number, before?: string): Promise<MessagePage> {
    return this.history.page({ room, limit, before });
  }
}
