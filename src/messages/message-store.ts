import { Injectable } from '@nestjs/common';

import { ChatMessage, MessagePage } from '../common/chat-message';
import { messageIdTime } from '../common/message-id';
import { roomKeys, ROOMS_KEY } from '../valkey/room-keys';
import { ValkeyService } from '../valkey/valkey.service';

/** Stream entry fields: short names, since every hot message carries them. */
const USER_FIELD = 'u';
const TEXT_FIELD = 't';

type StreamEntry = [id: string, fields: string[]];

/** One message of a bulk append; `idSpec` as for `append`. */
export interface NewMessage {
  readonly room: string;
  readonly user: string;
  readonly text: string;
  readonly idSpec: string;
}

/** Valkey's answer when an XADD id is not above the stream's newest (or last trimmed) id. */
const ID_NOT_ABOVE_TOP = /equal or smaller than the target stream top item/;

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

  /**
   * Appends many messages in one pipeline (one round trip), in order, and answers each one's id.
   * Valkey checks every id against its stream's newest id: a message whose millisecond lies
   * before what its room already holds gets `undefined` while the others are stored.
   */
  async appendMany(messages: readonly NewMessage[]): Promise<(string | undefined)[]> {
    if (messages.length === 0) return [];
    const rooms = [...new Set(messages.map((message) => message.room))];

    return this.valkey.run(async (client) => {
      const pipeline = client.pipeline().sadd(ROOMS_KEY, ...rooms);
      for (const { room, user, text, idSpec } of messages) {
        pipeline.xadd(roomKeys(room).messages, idSpec, USER_FIELD, user, TEXT_FIELD, text);
      }
      const [[roomsError], ...replies] = (await pipeline.exec()) ?? [];
      if (roomsError) throw roomsError;

      return replies.map(([error, id]) => {
        if (!error) return id as string;
        if (ID_NOT_ABOVE_TOP.test(error.message)) return undefined;
        throw error;
      });
    });
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
