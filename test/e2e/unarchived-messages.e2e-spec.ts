import { UnarchivedMessages } from '../../src/triggers/unarchived-messages';
import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';
import { ValkeyService } from '../../src/valkey/valkey.service';
import { testConfig, uniqueRoom, valkeyUrl } from '../support/test-app';

describe(UnarchivedMessages.name, () => {
  const rooms: string[] = [];
  let valkey: ValkeyService;
  let unarchived: UnarchivedMessages;

  beforeAll(async () => {
    valkey = new ValkeyService(testConfig({ VALKEY_URL: valkeyUrl(4) }));
    await valkey.onModuleInit();
    unarchived = new UnarchivedMessages(valkey);
  });

  afterAll(async () => {
    try {
      for (const room of rooms) {
        const keys = roomKeys(room);
        await valkey.client.del(keys.messages, keys.thresholdMark);
        await valkey.client.srem(ROOMS_KEY, room);
      }
    } finally {
      await valkey.onApplicationShutdown();
    }
  });

  /** A room with `count` messages; returns their ids, oldest first. */
  async function roomWith(count: number): Promise<[string, string[]]> {
    const room = uniqueRoom('unarchived');
    rooms.push(room);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push((await valkey.client.xadd(roomKeys(room).messages, '*', 'u', 'a', 't', 'x'))!);
    }
    await valkey.client.sadd(ROOMS_KEY, room);
    return [room, ids];
  }

  describe('claimThreshold', () => {
    it('fires once per threshold of messages, counting from where it last fired', async () => {
      const [room, ids] = await roomWith(120);

      expect(await unarchived.claimThreshold(room, undefined, 50)).toEqual({
        reached: true,
        count: 50,
      });
      expect(await valkey.client.get(roomKeys(room).thresholdMark)).toBe(ids[49]);

      // An export that archived 72 meanwhile does not delay the next threshold.
      expect(await unarchived.claimThreshold(room, ids[71], 50)).toEqual({
        reached: true,
        count: 50,
      });
      expect(await valkey.client.get(roomKeys(room).thresholdMark)).toBe(ids[99]);

      expect(await unarchived.claimThreshold(room, ids[71], 50)).toEqual({
        reached: false,
        count: 20,
      });
    });

    it('counts from the watermark once it lies a whole threshold past the mark', async () => {
      const [room, ids] = await roomWith(130);
      await unarchived.claimThreshold(room, undefined, 50);

      expect(await unarchived.claimThreshold(room, ids[119], 50)).toEqual({
        reached: false,
        count: 10,
      });
    });

    it('tells exactly one of many callers counting at once', async () => {
      const [room] = await roomWith(100);

      const claims = await Promise.all(
        Array.from({ length: 20 }, () => unarchived.claimThreshold(room, undefined, 40)),
      );

      expect(claims.filter((claim) => claim.reached)).toHaveLength(2);
    });
  });

  describe('oldestTime', () => {
    it('is the time of the first message after the watermark', async () => {
      const [room, ids] = await roomWith(3);

      expect(await unarchived.oldestTime(room, undefined)).toBe(Number(ids[0].split('-')[0]));
      expect(await unarchived.oldestTime(room, ids[1])).toBe(Number(ids[2].split('-')[0]));
      expect(await unarchived.oldestTime(room, ids[2])).toBeUndefined();
    });
  });
});
