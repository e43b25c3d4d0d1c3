import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Valkey } from 'iovalkey';

import { roomKeys } from '../valkey/room-keys';

/** Fields of the room's archive hash. */
const WATERMARK = 'watermark';
const PENDING_UP_TO = 'pending-up-to';
const PENDING_BATCH = 'pending-batch';

const LOCK_POLL_MS = 100;

/** The range an export fixed before writing: finished later with the same files if it dies. */
export interface PendingRange {
  readonly upTo: string;
  readonly batchSize: number;
}

/** Valkey failed (connection lost, timeout) while reading or changing the archive state. */
export class ArchiveStateUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super(`Valkey is unavailable: ${(cause as Error)?.message ?? cause}`);
    this.name = 'ArchiveStateUnavailableError';
  }
}

const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Records the range only while the caller still holds the lock. */
const RECORD_PENDING = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], '${PENDING_UP_TO}', ARGV[2], '${PENDING_BATCH}', ARGV[3])
return 1`;

/**
 * Advances the watermark to the pending range's end and clears the range, only while the caller
 * holds the lock and the range is the one it wrote: a process that lost its lock cannot move
 * the watermark of a range someone else finished.
 */
const ADVANCE_WATERMARK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[2], '${PENDING_UP_TO}') ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[2], '${WATERMARK}', ARGV[2])
redis.call('HDEL', KEYS[2], '${PENDING_UP_TO}', '${PENDING_BATCH}')
return 1`;

/**
 * Trims the hot tier: keeps the newest ARGV[1] entries and every entry after the watermark,
 * removes only entries at or below it. With at least `retention` entries after the watermark,
 * everything up to the watermark goes (MINID of the first entry after it); with fewer, MAXLEN
 * keeps the newest `retention`, and all it removes lies at or below the watermark.
 */
const TRIM_HOT_TIER = `
local watermark = redis.call('HGET', KEYS[2], '${WATERMARK}')
if not watermark then return 0 end
local retention = tonumber(ARGV[1])
if redis.call('XLEN', KEYS[1]) <= retention then return 0 end
if retention == 0 then
  local after = redis.call('XRANGE', KEYS[1], '(' .. watermark, '+', 'COUNT', 1)
  if #after == 0 then return redis.call('XTRIM', KEYS[1], 'MAXLEN', 0) end
  return redis.call('XTRIM', KEYS[1], 'MINID', after[1][1])
end
local after = redis.call('XRANGE', KEYS[1], '(' .. watermark, '+', 'COUNT', retention)
if #after >= retention then return redis.call('XTRIM', KEYS[1], 'MINID', after[1][1]) end
return redis.call('XTRIM', KEYS[1], 'MAXLEN', retention)`;

/**
 * A room's archive state in Valkey: the watermark (the last archived message id), the range of
 * an export in progress, and the export lock that keeps instances from exporting one room twice
 * at once. The lock carries a random token and a time to live, so a dead holder's lock expires
 * and only the holder can renew or release it.
 */
export class ArchiveState {
  constructor(private readonly client: Valkey) {}

  async watermark(room: string): Promise<string | undefined> {
    const value = await this.run(() => this.client.hget(roomKeys(room).archive, WATERMARK));
    return value ?? undefined;
  }

  async pending(room: string): Promise<PendingRange | undefined> {
    const [upTo, batch] = await this.run(() =>
      this.client.hmget(roomKeys(room).archive, PENDING_UP_TO, PENDING_BATCH),
    );
    if (!upTo || !batch) return undefined;
    return { upTo, batchSize: Number(batch) };
  }

  /** The lock's token, or undefined when another holder kept it for `waitMs`. */
  async acquireLock(room: string, ttlMs: number, waitMs = 0): Promise<string | undefined> {
    const token = randomBytes(16).toString('hex');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const set = await this.run(() =>
        this.client.set(roomKeys(room).exportLock, token, 'PX', ttlMs, 'NX'),
      );
      if (set === 'OK') return token;
      if (Date.now() >= deadline) return undefined;
      await sleep(LOCK_POLL_MS);
    }
  }

  /** Extends the lock; false when it expired or another holder has it now. */
  async renewLock(room: string, token: string, ttlMs: number): Promise<boolean> {
    const renewed = await this.script(RENEW_LOCK, [roomKeys(room).exportLock], [token, ttlMs]);
    return renewed === 1;
  }

  async releaseLock(room: string, token: string): Promise<void> {
    await this.script(RELEASE_LOCK, [roomKeys(room).exportLock], [token]);
  }

  /** False when the lock is no longer ours. */
  async recordPending(room: string, token: string, range: PendingRange): Promise<boolean> {
    const keys = roomKeys(room);
    const recorded = await this.script(
      RECORD_PENDING,
      [keys.exportLock, keys.archive],
      [token, range.upTo, range.batchSize],
    );
    return recorded === 1;
  }

  /** False when the lock is no longer ours or the pending range changed. */
  async advanceWatermark(room: string, token: string, upTo: string): Promise<boolean> {
    const keys = roomKeys(room);
    const advanced = await this.script(
      ADVANCE_WATERMARK,
      [keys.exportLock, keys.archive],
      [token, upTo],
    );
    return advanced === 1;
  }

  /** Removes archived messages beyond the newest `retention`; returns how many went. */
  async trimHotTier(room: string, retention: number): Promise<number> {
    const keys = roomKeys(room);
    return (await this.script(TRIM_HOT_TIER, [keys.messages, keys.archive], [retention])) as number;
  }

  private script(lua: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.run(() => this.client.eval(lua, keys.length, ...keys, ...args));
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if ((error as Error)?.name === 'ReplyError') throw error;
      throw new ArchiveStateUnavailableError(error);
    }
  }
}
