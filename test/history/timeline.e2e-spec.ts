import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { ChatMessage } from '../../src/common/chat-message';
import { ManualClock } from '../../src/common/message-clock';
import { compareMessageIds } from '../../src/common/message-id';
import { MessagesService } from '../../src/messages/messages.service';
import { DuckDbArchive, exportOldest } from '../support/archive-fixtures';
import { startTestApp, uniqueRoom, valkeyUrl } from '../support/test-app';

const DB = 3;
const START = Date.UTC(2024, 11, 3, 10, 0, 0);

interface PageBody {
  messages: { id: string; user: string; text: string; ts: string }[];
  hasMore: boolean;
  nextBefore?: string;
  nextAfter?: string;
  order: string;
}

describe('History timeline (archive and hot tail)', () => {
  let app: NestFastifyApplication;
  let archive: DuckDbArchive;
  let client: Valkey;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    archive = await DuckDbArchive.create();
    app = await startTestApp(
      { VALKEY_URL: valkeyUrl(DB), ARCHIVE_DIR: archive.root, TRIGGERS_ENABLED: 'false' },
      { clock },
    );
    client = new Valkey(valkeyUrl(DB));
  });

  afterAll(async () => {
    await app.close();
    client.disconnect();
    await archive.close();
  });

  async function get(url: string): Promise<PageBody> {
    const response = await app.inject({ method: 'GET', url });
    expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
    return response.json() as PageBody;
  }

  /** Follows the cursors from the first page to the last; returns every id seen, in order. */
  async function collect(
    base: string,
    cursorParam: 'before' | 'after',
    start?: string,
  ): Promise<string[]> {
    const ids: string[] = [];
    let url = start ? `${base}&${cursorParam}=${start}` : base;
    for (let pages = 0; pages < 10_000; pages++) {
      const page = await get(url);
      ids.push(...page.messages.map((message) => message.id));
      const cursor = cursorParam === 'before' ? page.nextBefore : page.nextAfter;
      if (!page.hasMore) {
        expect(cursor).toBeUndefined();
        return ids;
      }
      expect(cursor).toBe(ids[ids.length - 1]);
      url = `${base}&${cursorParam}=${cursor}`;
    }
    throw new Error('paging did not end');
  }

  /** Every message of a query, newest first, following `nextBefore`. */
  async function collectMessages(base: string): Promise<PageBody['messages']> {
    const messages: PageBody['messages'] = [];
    let url = base;
    for (;;) {
      const page = await get(url);
      messages.push(...page.messages);
      if (!page.nextBefore) return messages;
      url = `${base}&before=${page.nextBefore}`;
    }
  }

  /** Posts `count` messages, `perMillisecond` of them in each millisecond, `stepMs` apart. */
  async function postMany(
    room: string,
    count: number,
    perMillisecond: number,
    stepMs: number,
  ): Promise<ChatMessage[]> {
    const messages = app.get(MessagesService);
    const posted: ChatMessage[] = [];
    for (let i = 0; i < count; i += perMillisecond) {
      const batch = Array.from({ length: Math.min(perMillisecond, count - i) }, (_, j) =>
        messages.post(room, `user${(i + j) % 7}`, `message ${i + j}`),
      );
      posted.push(...(await Promise.all(batch)));
      clock.advance(stepMs);
    }
    return posted.sort((a, b) => compareMessageIds(a.id, b.id));
  }

  describe('10,000 messages over 3 dates, 7,000 archived and 3,000 hot', () => {
    let room: string;
    let all: string[];
    let posted: ChatMessage[];
    let watermark: string;

    beforeAll(async () => {
      room = uniqueRoom('timeline');
      clock.set(START);
      posted = await postMany(room, 10_000, 10, 210_000);
      all = posted.map((message) => message.id);
      watermark = (await exportOldest(client, archive, room, 7000))!;
      expect(await client.xlen(`chat:{${room}}:messages`)).toBe(3000);
    });

    it('pages newest first through both tiers to the first message, each id once', async () => {
      const ids = await collect(`/api/v1/history?room=${room}&limit=100`, 'before');

      expect(ids).toEqual([...all].reverse());
    });

    it('pages oldest first with after', async () => {
      const ids = await collect(`/api/v1/history?room=${room}&limit=100`, 'after', '0-0');

      expect(ids).toEqual(all);
    });

    it('lets /messages?before= scroll back into the archive', async () => {
      const ids = await collect(`/api/v1/messages?room=${room}&limit=100`, 'before');

      expect(ids).toEqual([...all].reverse());
    });

    it('answers 20 random filters exactly as DuckDB over the same files, plus the hot ones', async () => {
      const random = seededRandom(20241203);
      const first = posted[0].ts;
      const span = posted[posted.length - 1].ts - first;
      const hot = posted.filter((message) => compareMessageIds(message.id, watermark) > 0);

      for (let i = 0; i < 20; i++) {
        const a = first - 60_000 + Math.floor(random() * (span + 120_000));
        const b = first - 60_000 + Math.floor(random() * (span + 120_000));
        const fromMs = i % 5 === 4 ? undefined : Math.min(a, b);
        const toMs = i % 5 === 3 ? undefined : Math.max(a, b) + 1;
        const user = i % 2 === 0 ? `user${Math.floor(random() * 8)}` : undefined;
        const filter = { fromMs, toMs, user };

        const expected = [...(await archive.query(room, filter)), ...hot.filter(matches(filter))]
          .sort((x, y) => compareMessageIds(y.id, x.id))
          .map(toBody);
        const query = [
          fromMs === undefined ? '' : `&from=${new Date(fromMs).toISOString()}`,
          toMs === undefined ? '' : `&to=${new Date(toMs).toISOString()}`,
          user === undefined ? '' : `&user=${user}`,
        ].join('');
        const got = await collectMessages(`/api/v1/history?room=${room}&limit=1000${query}`);

        expect({ filter, count: got.length }).toEqual({ filter, count: expected.length });
        expect(got).toEqual(expected);
      }
    });
  });
});

function matches(filter: { fromMs?: number; toMs?: number; user?: string }) {
  return (message: ChatMessage): boolean =>
    (filter.fromMs === undefined || message.ts >= filter.fromMs) &&
    (filter.toMs === undefined || message.ts < filter.toMs) &&
    (filter.user === undefined || message.user === filter.user);
}

function toBody(message: ChatMessage) {
  return {
    id: message.id,
    room: message.room,
    user: message.user,
    text: message.text,
    ts: new Date(message.ts).toISOString(),
  };
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
