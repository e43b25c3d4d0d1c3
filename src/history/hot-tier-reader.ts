import { Injectable } from '@nestjs/common';

import { ChatMessage } from '../common/chat-message';
import { toMessage } from '../messages/message-store';
import { roomKeys } from '../valkey/room-keys';
import { ValkeyService } from '../valkey/valkey.service';
import { IdWindow, Order, streamRange } from './id-window';

type StreamEntry = [id: string, fields: string[]];

/** Entries read per round trip while looking for one author's messages. */
const FILTERED_BATCH = 1000;

export interface HotScan {
  /** Matching messages in the scan's order, at most `limit`. */
  readonly messages: ChatMessage[];
  /**
   * The oldest id in the stream when the scan ended (undefined: empty stream). Trims only cut
   * the oldest end, so the hot tier held every message from this id on: older ones are archived.
   */
  readonly oldestHotId?: string;
}

/** Reads the hot tier (the room's stream) and the room's archive watermark. */
@Injectable()
export class HotTierReader {
  constructor(private readonly valkey: ValkeyService) {}

  /** Up to `limit` messages of the window in `order`, by `user` when given. */
  async scan(
    room: string,
    window: IdWindow,
    order: Order,
    limit: number,
    user?: string,
  ): Promise<HotScan> {
    const messages: ChatMessage[] = [];
    let range = streamRange(window);

    for (;;) {
      const count = user === undefined ? limit : Math.max(limit, FILTERED_BATCH);
      const { entries, oldestHotId } = await this.read(room, range, order, count);

      for (const entry of entries) {
        const message = toMessage(room, entry);
        if (user === undefined || message.user === user) messages.push(message);
      }
      if (messages.length >= limit || entries.length < count) {
        return { messages: messages.slice(0, limit), oldestHotId };
      }

      const last = entries[entries.length - 1][0];
      range = order === 'desc' ? { ...range, end: `(${last}` } : { ...range, start: `(${last}` };
    }
  }

  /** The last archived id of the room; undefined when nothing is archived. */
  async watermark(room: string): Promise<string | undefined> {
    const value = await this.valkey.run((client) =>
      client.hget(roomKeys(room).archive, 'watermark'),
    );
    return value ?? undefined;
  }

  /** One batch and the stream's oldest id, read atomically. */
  private async read(
    room: string,
    range: { start: string; end: string },
    order: Order,
    count: number,
  ): Promise<{ entries: StreamEntry[]; oldestHotId?: string }> {
    const key = roomKeys(room).messages;
    const replies = await this.valkey.run((client) => {
      const batch = client.multi();
      if (order === 'desc') batch.xrevrange(key, range.end, range.start, 'COUNT', count);
      else batch.xrange(key, range.start, range.end, 'COUNT', count);
      batch.xrange(key, '-', '+', 'COUNT', 1);
      return batch.exec();
    });
    if (!replies) throw new Error('stream read transaction was aborted');

    for (const [error] of replies) if (error) throw error;
    const entries = replies[0][1] as StreamEntry[];
    const oldest = replies[1][1] as StreamEntry[];
    return { entries, oldestHotId: oldest[0]?.[0] };
  }
}
