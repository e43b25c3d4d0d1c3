import { Injectable } from '@nestjs/common';

import { messageIdTime } from '../common/message-id';
import { roomKeys, ROOMS_KEY } from '../valkey/room-keys';
import { ValkeyService } from '../valkey/valkey.service';

/**
 * Counts a room's messages after its threshold mark, up to the threshold, inside Valkey (the
 * entries never cross the network), and moves the mark to the threshold-th of them when there
 * are that many: one atomic step, so among instances that count at once exactly one is told
 * the threshold was reached.
 *
 * The mark is where the threshold last fired. Counting from it, not from the watermark, keeps
 * an export that took in more messages while it ran from delaying the next: with a threshold
 * of 50, the 100th message fires again even if the first export archived 72. When the
 * watermark lies a whole threshold or more past the mark (an export from HTTP or the sweep),
 * counting starts at the watermark instead.
 *
 * KEYS: messages stream, threshold mark. ARGV: watermark ('' when none), threshold.
 * Returns [1 when it fired else 0, messages counted].
 */
const CLAIM_THRESHOLD_SCRIPT = `
local threshold = tonumber(ARGV[2])
local watermark = ARGV[1]
local from = redis.call('GET', KEYS[2])
if not from then
  from = watermark
elseif watermark ~= '' then
  local between = redis.call('XRANGE', KEYS[1], '(' .. from, watermark, 'COUNT', threshold)
  if #between >= threshold then from = watermark end
end
local start = '-'
if from ~= '' then start = '(' .. from end
local entries = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', threshold)
if #entries < threshold then return {0, #entries} end
redis.call('SET', KEYS[2], entries[threshold][1])
return {1, #entries}`;

const ROOM_SCAN_BATCH = 200;

export interface ThresholdClaim {
  /** The threshold was reached, and this caller is the one to archive the room. */
  readonly reached: boolean;
  /** Messages after the mark, counted up to the threshold. */
  readonly count: number;
}

/**
 * What the triggers read from the hot tier: whether a room's messages reached the threshold,
 * and how old its oldest un-archived message is ("un-archived" means after the watermark).
 */
@Injectable()
export class UnarchivedMessages {
  constructor(private readonly valkey: ValkeyService) {}

  async claimThreshold(
    room: string,
    watermark: string | undefined,
    threshold: number,
  ): Promise<ThresholdClaim> {
    const keys = roomKeys(room);
    const [reached, count] = (await this.valkey.run((client) =>
      client.eval(
        CLAIM_THRESHOLD_SCRIPT,
        2,
        keys.messages,
        keys.thresholdMark,
        watermark ?? '',
        threshold,
      ),
    )) as [number, number];
    return { reached: reached === 1, count };
  }

  /** Messages of the room in the hot tier, archived or not: a cheap upper bound of the count. */
  async hotCount(room: string): Promise<number> {
    return this.valkey.run((client) => client.xlen(roomKeys(room).messages));
  }

  /** When the oldest message after `watermark` was accepted (epoch ms); undefined when none. */
  async oldestTime(room: string, watermark: string | undefined): Promise<number | undefined> {
    const key = roomKeys(room).messages;
    const start = watermark ? `(${watermark}` : '-';
    const entries = (await this.valkey.run((client) =>
      client.xrange(key, start, '+', 'COUNT', 1),
    )) as [string, string[]][];
    return entries.length > 0 ? messageIdTime(entries[0][0]) : undefined;
  }

  async roomExists(room: string): Promise<boolean> {
    return (await this.valkey.run((client) => client.sismember(ROOMS_KEY, room))) === 1;
  }

  /** Every room, in batches, without loading the whole set at once. */
  async *rooms(): AsyncIterable<string[]> {
    let cursor = '0';
    do {
      const [next, rooms] = await this.valkey.run((client) =>
        client.sscan(ROOMS_KEY, cursor, 'COUNT', ROOM_SCAN_BATCH),
      );
      cursor = next;
      if (rooms.length > 0) yield rooms;
    } while (cursor !== '0');
  }

  /** Valkey's clock, the one message ids are taken from, in epoch milliseconds. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.valkey.run((client) => client.time());
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
