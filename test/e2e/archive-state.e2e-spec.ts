import { setTimeout as sleep } from 'node:timers/promises';

import { Valkey } from 'iovalkey';

import { ArchiveState } from '../../src/archive/archive-state';
import { roomKeys } from '../../src/valkey/room-keys';
import { forgetRoom, valkeyClient } from '../support/archive-support';
import { uniqueRoom } from '../support/test-app';

const DB = 2;

describe(ArchiveState.name, () => {
  let valkey: Valkey;
  let state: ArchiveState;
  const rooms: string[] = [];

  beforeAll(() => {
    valkey = valkeyClient(DB);
    state = new ArchiveState(valkey);
  });

  afterAll(async () => {
    for (const room of rooms) await forgetRoom(valkey, room);
    valkey.disconnect();
  });

  function room(): string {
    const name = uniqueRoom('state');
    rooms.push(name);
    return name;
  }

  describe('acquireLock', () => {
    it('gives the lock to one holder at a time, and to the next once released', async () => {
      const name = room();
      const first = await state.acquireLock(name, 10_000);

      expect(first).toBeDefined();
      expect(await state.acquireLock(name, 10_000)).toBeUndefined();
      await state.releaseLock(name, 'not-the-token');
      expect(await state.acquireLock(name, 10_000)).toBeUndefined();
      await state.releaseLock(name, first!);
      expect(await state.acquireLock(name, 10_000)).toBeDefined();
    });

    it('lets the lock of a holder that died expire, and waits for it when asked', async () => {
      const name = room();
      const dead = await state.acquireLock(name, 300);

      const next = await state.acquireLock(name, 10_000, 2000);

      expect(dead).toBeDefined();
      expect(next).toBeDefined();
      expect(next).not.toBe(dead);
      expect(await state.renewLock(name, dead!, 10_000)).toBe(false);
      expect(await state.renewLock(name, next!, 10_000)).toBe(true);
    });
  });

  describe('advanceWatermark', () => {
    it('moves the watermark only for the holder of the lock and of the pending range', async () => {
      const name = room();
      const token = (await state.acquireLock(name, 10_000))!;
      expect(await state.recordPending(name, token, { upTo: '5-0', batchSize: 100 })).toBe(true);

      expect(await state.advanceWatermark(name, 'stale-token', '5-0')).toBe(false);
      expect(await state.advanceWatermark(name, token, '4-0')).toBe(false);
      expect(await state.watermark(name)).toBeUndefined();
      expect(await state.pending(name)).toEqual({ upTo: '5-0', batchSize: 100 });

      expect(await state.advanceWatermark(name, token, '5-0')).toBe(true);
      expect(await state.watermark(name)).toBe('5-0');
      expect(await state.pending(name)).toBeUndefined();
    });

    it('refuses to record a range for a process whose lock expired', async () => {
      const name = room();
      const token = (await state.acquireLock(name, 200))!;
      await sleep(400);
      await state.acquireLock(name, 10_000);

      expect(await state.recordPending(name, token, { upTo: '9-0', batchSize: 100 })).toBe(false);
      expect(await state.pending(name)).toBeUndefined();
    });
  });

  describe('trimHotTier', () => {
    it('trims nothing before the first export', async () => {
      const name = room();
      for (let i = 1; i <= 20; i++) await valkey.xadd(roomKeys(name).messages, `${i}-0`, 'u', 'a');

      expect(await state.trimHotTier(name, 0)).toBe(0);
      expect(await valkey.xlen(roomKeys(name).messages)).toBe(20);
    });

    it('with retention 0 removes exactly the archived messages', async () => {
      const name = room();
      for (let i = 1; i <= 20; i++) await valkey.xadd(roomKeys(name).messages, `${i}-0`, 'u', 'a');
      await valkey.hset(roomKeys(name).archive, 'watermark', '12-0');

      expect(await state.trimHotTier(name, 0)).toBe(12);
      const kept = await valkey.xrange(roomKeys(name).messages, '-', '+');
      expect(kept.map(([id]) => id)[0]).toBe('13-0');
    });
  });
});
