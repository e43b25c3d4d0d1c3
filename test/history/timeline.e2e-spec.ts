import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { partitionDate, roomPrefix } from '../../src/archive/archive-layout';
import { LocalObjectStore } from '../../src/archive/local-object-store';
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
      {
        VALKEY_URL: valkeyUrl(DB),
        ARCHIVE_DIR: archive.root,
        TRIGGERS_ENABLED: 'false',
        EXPORT_BATCH_SIZE: '200',
        HOT_RETENTION: '50',
      },
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

  describe('25 messages in one millisecond across a page and the tier boundary', () => {
    it.each([0, 5])('skips and repeats none (archived kept hot: %i)', async (keptHot) => {
      const room = uniqueRoom('same-ms');
      clock.set(START + 40 * 86_400_000 + keptHot * 1000);
      const before = await postMany(room, 10, 1, 7);
      const burst = await postMany(room, 25, 25, 7);
      const after = await postMany(room, 10, 1, 7);
      const all = [...before, ...burst, ...after].map((message) => message.id);
      expect(new Set(burst.map((message) => message.ts)).size).toBe(1);

      // The watermark falls on the 12th message of the burst.
      await exportOldest(client, archive, room, 22, keptHot);

      for (const limit of [7, 10]) {
        const base = `/api/v1/history?room=${room}&limit=${limit}`;
        expect(await collect(base, 'before')).toEqual([...all].reverse());
        expect(await collect(base, 'after', '0-0')).toEqual(all);
        const messages = `/api/v1/messages?room=${room}&limit=${limit}`;
        expect(await collect(messages, 'before')).toEqual([...all].reverse());
      }
    });
  });

  describe('paging while exports and new posts run', () => {
    it('sees no id twice and no gap, newest first and oldest first', async () => {
      const room = uniqueRoom('concurrent');
      clock.set(START + 50 * 86_400_000);
      const posted = await postMany(room, 1500, 3, 60_000);
      let reading = true;

      // A bounded number of posts, so that paging oldest first catches up with them.
      const poster = (async () => {
        for (let round = 0; round < 60 && reading; round++) {
          posted.push(...(await postMany(room, 6, 2, 1000)));
        }
      })();
      let exports = 0;
      const exporter = (async () => {
        while (reading) {
          await exportOldest(client, archive, room, 97, 40);
          exports++;
        }
      })();

      let pages: { newestFirst: string[]; oldestFirst: string[] };
      try {
        pages = await pageBothWays(room);
      } finally {
        reading = false;
        await Promise.all([poster, exporter]);
      }
      expect(exports).toBeGreaterThan(10);

      expectEveryIdOnce(posted, pages);
    });
  });

  describe('paging while the real export pipeline runs', () => {
    it('sees no id twice and no gap while GET /export archives and trims', async () => {
      const room = uniqueRoom('real-export');
      clock.set(START + 55 * 86_400_000);
      const posted = await postMany(room, 1200, 3, 60_000);
      let reading = true;

      const poster = (async () => {
        for (let round = 0; round < 40 && reading; round++) {
          posted.push(...(await postMany(room, 6, 2, 1000)));
        }
      })();
      let archived = 0;
      const exporter = (async () => {
        while (reading) {
          const response = await app.inject({ method: 'GET', url: `/api/v1/export?room=${room}` });
          expect(response.statusCode).toBe(200);
          archived += response.json().rows;
        }
      })();

      let pages: { newestFirst: string[]; oldestFirst: string[] };
      try {
        pages = await pageBothWays(room);
      } finally {
        reading = false;
        await Promise.all([poster, exporter]);
      }
      expect(archived).toBeGreaterThan(0);

      expectEveryIdOnce(posted, pages);
    });
  });

  /** Pages the room newest first and oldest first at the same time, to the end. */
  async function pageBothWays(room: string) {
    const [newestFirst, oldestFirst] = await Promise.all([
      collect(`/api/v1/history?room=${room}&limit=20`, 'before'),
      collect(`/api/v1/history?room=${room}&limit=20`, 'after', '0-0'),
    ]);
    return { newestFirst, oldestFirst };
  }

  /** Each direction saw every posted id up to where it started, once and in order. */
  function expectEveryIdOnce(
    posted: { id: string }[],
    { newestFirst, oldestFirst }: { newestFirst: string[]; oldestFirst: string[] },
  ): void {
    const ids = posted.map((message) => message.id).sort(compareMessageIds);
    const top = newestFirst[0];
    expect(newestFirst).toEqual(ids.filter((id) => compareMessageIds(id, top) <= 0).reverse());
    const last = oldestFirst[oldestFirst.length - 1];
    expect(oldestFirst).toEqual(ids.filter((id) => compareMessageIds(id, last) <= 0));
  }

  describe('texts through the archive', () => {
    it('come back exactly as the POST returned them', async () => {
      const room = uniqueRoom('unicode');
      clock.set(START + 60 * 86_400_000);
      const texts = [
        'emoji 😀👩‍👩‍👧‍👦🏳️‍🌈 and flags 🇺🇦🇯🇵',
        'שלום עולם, مرحبا بالعالم',
        'mixed ‏RLM‎ and ‮override‬ marks',
        'tab\tnew line\ncarriage\rbell\u0007escape\u001bdelete\u007f',
        'nul \u0000 inside',
        'full-width ＡＢＣ and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and ｶﾀｶﾅ',
        'combining é vs é; zero width\u200b joiner\u200d',
      ];
      const returned = [];
      for (const text of texts) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/v1/message',
          payload: { room, user: 'ünïcödé 🙂', text },
        });
        expect(response.statusCode).toBe(201);
        returned.push(response.json());
        clock.advance(1);
      }
      await exportOldest(client, archive, room, 100);
      expect(await client.xlen(`chat:{${room}}:messages`)).toBe(0);

      const page = await get(`/api/v1/history?room=${room}&after=0-0`);
      expect(page.messages).toEqual(returned);
    });
  });

  describe('an unreadable archive file', () => {
    let room: string;
    let errors: jest.SpyInstance;
    const day = (n: number) => START + (70 + n) * 86_400_000;

    beforeAll(async () => {
      room = uniqueRoom('broken');
      for (let n = 0; n < 3; n++) {
        clock.set(day(n));
        await postMany(room, 10, 1, 60_000);
      }
      const keys = await archiveAll(room);
      expect(keys).toHaveLength(3);
      errors = jest.spyOn(Logger.prototype, 'error');
    });

    afterAll(() => errors.mockRestore());

    async function archiveAll(name: string): Promise<string[]> {
      const before = new Set(await listFiles(name));
      await exportOldest(client, archive, name, 1000);
      return (await listFiles(name)).filter((key) => !before.has(key));
    }

    async function listFiles(name: string): Promise<string[]> {
      const store = new LocalObjectStore(archive.root);
      const keys: string[] = [];
      for await (const object of store.list(roomPrefix(name))) keys.push(object.key);
      return keys;
    }

    it('fails only the pages that need it, names room and date, and the process stays up', async () => {
      const keys = await listFiles(room);
      const broken = keys.find((key) => key.includes(`date=${partitionDate(day(1))}/`))!;
      const path = join(archive.root, ...broken.split('/'));
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));

      const newest = await get(`/api/v1/history?room=${room}&limit=5`);
      expect(newest.messages).toHaveLength(5);
      const firstDay = new Date(day(0)).toISOString();
      const secondDay = new Date(day(1)).toISOString();
      const oldest = await get(`/api/v1/history?room=${room}&from=${firstDay}&to=${secondDay}`);
      expect(oldest.messages).toHaveLength(10);

      const failing = await app.inject({
        method: 'GET',
        url: `/api/v1/history?room=${room}&before=${newest.messages[4].id}&limit=20`,
      });
      expect(failing.statusCode).toBe(500);
      expect(failing.json()).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: expect.stringContaining(`room ${room} for ${partitionDate(day(1))}`),
      });
      expect(errors.mock.calls.flat().join('\n')).toContain(broken);

      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect((await get(`/api/v1/history?room=${room}&limit=5`)).messages).toEqual(newest.messages);

      // Once an operator puts the whole file back, the same page works without a restart.
      await writeFile(path, bytes);
      const repaired = await get(`/api/v1/history?room=${room}&before=${newest.messages[4].id}`);
      expect(repaired.messages).toHaveLength(25);
    });

    it('reports a file that is not Parquet at all the same way', async () => {
      const other = uniqueRoom('not-parquet');
      clock.set(day(10));
      await postMany(other, 3, 1, 1000);
      const [key] = await archiveAll(other);
      await writeFile(join(archive.root, ...key.split('/')), 'this is not a parquet file');

      const response = await app.inject({ method: 'GET', url: `/api/v1/history?room=${other}` });
      expect(response.statusCode).toBe(500);
      expect(response.json().message).toContain(`room ${other} for ${partitionDate(day(10))}`);
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
