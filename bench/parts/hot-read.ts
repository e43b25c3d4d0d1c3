import { Valkey } from 'iovalkey';

import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';
import { BenchPart } from '../part';
import { describeLoad, load, loadFigures } from '../support/load';
import { alternate, BARE_REFERENCE, startServicePair } from '../support/service-pair';

const SECONDS = 10;
const CONNECTIONS = 64;
const WARM_UP_SECONDS = 3;
const ROOM = '#bench-read';
const ROOM_MESSAGES = 5000;

/** GET /api/v1/messages (the newest page of 100) under load: the service against the bare one. */
export const hotReadPart: BenchPart = {
  name: 'hot-read',
  method:
    `GET /api/v1/messages (newest 100 of a room of ${ROOM_MESSAGES}), autocannon ` +
    `${CONNECTIONS} connections, ${SECONDS} s per run; the reference reads the same stream`,

  async run(context) {
    const pair = await startServicePair(context);
    try {
      await fillRoom(pair.valkeyUrl);
      const urls = { service: pair.serviceUrl, bare: pair.bareUrl };
      const read = (side: 'service' | 'bare', seconds: number) =>
        load({
          url: `${urls[side]}/api/v1/messages?room=${encodeURIComponent(ROOM)}`,
          connections: CONNECTIONS,
          seconds,
        });

      context.log(`hot read: warming up both sides for ${WARM_UP_SECONDS} s`);
      await read('service', WARM_UP_SECONDS);
      await read('bare', WARM_UP_SECONDS);

      const results = await alternate(context.runs, async (side) => {
        const result = await read(side, SECONDS);
        context.log(`hot read ${side}: ${describeLoad(result)}`);
        return result;
      });
      return loadFigures(
        'hot read',
        { name: 'requests/s', unit: 'req/s' },
        results,
        BARE_REFERENCE,
      );
    } finally {
      await pair.stop();
    }
  },
};

/** Real-looking messages, written straight to the stream both sides read. */
async function fillRoom(url: string): Promise<void> {
  const valkey = new Valkey(url);
  try {
    const pipeline = valkey.pipeline().sadd(ROOMS_KEY, ROOM);
    for (let i = 0; i < ROOM_MESSAGES; i++) {
      const text = `message ${i}: has anyone tried the new kernel on a ThinkPad? wifi drops`;
      pipeline.xadd(
        roomKeys(ROOM).messages,
        '*',
        'u',
        `user-${String(i % 500).padStart(5, '0')}`,
        't',
        text,
      );
    }
    await pipeline.exec();
  } finally {
    valkey.disconnect();
  }
}
