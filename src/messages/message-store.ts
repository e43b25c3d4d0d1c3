import { Injectable } from '@nestjs/common';

import { ChatMessage, MessagePage } from '../common/chat-message';
import { messageIdTime } from '../common/message-id';
import { roomKeys, ROOMS_KEY } from '../valkey/room-keys';
import { ValkeyService } from '../valkey/valkey.service';

/** Stream entry fields: short names, since every hot message carries them. */
const USER_FIELD = 'u';
const TEXT_FIELD = 't';

type StreamEntry = [id: string, fields: string[]];

/**
 * The hot tier: one Valkey stream per room. The stream entry id is the message id, so ids are
 * unique and ordered within the room and carry the acceptance time.
 */
@Injectable()
export class MessageStore {
  constructor(private readonly valkey: ValkeyService) {}

  /** Appends a message; `idSpec` is `*` (now) or `<ms>-*` (a given millisecond). */
  async append(room: string, user: string, text: string, idSpec = '*'): Promise<ChatMessage> {
    const key = roomKeys(room).messages;
    const id = await this.valkey.run(async (client) => {
      await client.sadd(ROOMS_KEY, room);
      return client.xadd(key, idSpec, USER_FIELD, user, TEXT_FIELD, text);
    });
    return { id: id as string, room, user, text, ts: messageIdTime(id as string) };
  }

  /** Newest first, strictly older than `before` when given. */
  async newest(room: string, limit: number, before?: string): Promise<MessagePage> {
    const key = roomKeys(room).messages;
    const end = before ? `(${before}` : '+';
    const entries = (await this.valkey.run((client) =>
      client.xrevrange(key, end, '-', 'COUNT', limit + 1),
    )) as StreamEntry[];

    return {
      messages: entries.slice(0, limit).map((entry) => toMessage(room, entry)),
      hasMore: entries.length > limit,
    };
  }

  /** Oldest first, strictly after `after` (or from the start), up to `limit`. */
  async oldest(room: string, limit: number, after?: string): Promise<ChatMessage[]> {
    const key = roomKeys(room).messages;
    const start = after ? `(${after}` : '-';
    const entries = (await this.valkey.run((client) =>
      client.xrange(key, start, '+', 'COUNT', limit),
    )) as StreamEntry[];
    return entries.map((entry) => toMessage(room, entry));
  }

  async rooms(): Promise<string[]> {
    return this.valkey.run((client) => client.smembers(ROOMS_KEY));
  }

  async count(room: string): Promise<number> {
    return this.valkey.run((client) => client.xlen(roomKeys(room).messages));
  }
}

export function toMessage(room: string, [id, fields]: StreamEntry): ChatMessage {
  let user = '';
  let text = '';
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === USER_FIELD) user = fields[i + 1];
    else if (fields[i] === TEXT_FIELD) text = fields[i + 1];
  }
  return { id, room, user, text, ts: messageIdTime(id) };
}
