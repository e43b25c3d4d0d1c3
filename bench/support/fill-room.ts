import { Valkey } from 'iovalkey';

import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';

/** Commands sent per pipeline: large enough to be fast, small enough to bound the bench's heap. */
const PIPELINE_SIZE = 10_000;

export interface FillOptions {
  readonly room: string;
  readonly count: number;
  /** The author of the i-th message. */
  readonly user: (i: number) => string;
  /** The text of the i-th message. */
  readonly text: (i: number) => string;
}

/**
 * Writes messages straight to a room's stream as the service stores them (fields u = user,
 * t = text, ids from the server's clock), with pipelined XADD: a room of a million messages
 * takes seconds instead of minutes through HTTP.
 */
export async function fillRoom(valkeyUrl: string, options: FillOptions): Promise<void> {
  const valkey = new Valkey(valkeyUrl);
  const key = roomKeys(options.room).messages;
  try {
    await valkey.sadd(ROOMS_KEY, options.room);
    for (let start = 0; start < options.count; start += PIPELINE_SIZE) {
      const pipeline = valkey.pipeline();
      for (let i = start; i < Math.min(options.count, start + PIPELINE_SIZE); i++) {
        pipeline.xadd(key, '*', 'u', options.user(i), 't', options.text(i));
      }
      await pipeline.exec();
    }
  } finally {
    valkey.disconnect();
  }
}
