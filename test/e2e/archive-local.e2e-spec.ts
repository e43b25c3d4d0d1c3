import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { ArchiveService } from '../../src/archive/archive.service';
import { parseArchiveFileKey } from '../../src/archive/archive-layout';
import { ArchiveState } from '../../src/archive/archive-state';
import { ManualClock } from '../../src/common/message-clock';
import { roomKeys } from '../../src/valkey/room-keys';
import {
  archiveTable,
  duckdb,
  forgetRoom,
  tempDir,
  TRICKY_TEXTS,
  valkeyClient,
} from '../support/archive-support';
import { startTestApp, uniqueRoom, valkeyUrl } from '../support/test-app';

/** This suite's own database index: "export every room" sees only its rooms. */
const DB = 1;
const HOT_RETENTION = 100;
const BATCH_SIZE = 1000;

describe('Archive to local disk', () => {
  const root = tempDir('archive-local');
  // Starts three seconds before a UTC midnight, so the archive spans two date partitions.
  const clock = new ManualClock(Date.UTC(2024, 11, 2, 23, 59, 57));
  const rooms: string[] = [];
  let app: NestFastifyApplication;
  let valkey: Valkey;

  beforeAll(async () => {
    valkey = valkeyClient(DB);
    app = await startTestApp(
      {
        VALKEY_URL: valkeyUrl(DB),
        ARCHIVE_DIR: root,
        EXPORT_BATCH_SIZE: String(BATCH_SIZE),
        HOT_RETENTION: String(HOT_RETENTION),
      },
      { clock },
    );
  });

  afterAll(async () => {
    for (const room of rooms) await forgetRoom(valkey, room);
    await app.close();
    valkey.disconnect();
  });

  function room(prefix: string): string {
    const name = uniqueRoom(prefix);
    rooms.push(name);
    return name;
  }

  async function post(roomName: string, text: string): Promise<{ id: string; ts: string }> {
    clock.advance(1);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/message',
      payload: { room: roomName, user: 'alice', text },
    });
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  function exportRoom(roomName: string) {
    return app.inject({
      method: 'GET',
      url: `/api/v1/export?room=${encodeURIComponent(roomName)}`,
    });
  }

  function archiveFiles(): string[] {
    return (readdirSync(root, { recursive: true }) as string[]).filter((f) =>
      f.endsWith('.parquet'),
    );
  }

  describe('GET /api/v1/export and POST /api/v1/exports', () => {
    it('archives 10,000 messages of 3 rooms exactly once, ts as posted', async () => {
      await forgetRoom(valkey, '#ubuntu');
      rooms.push('#ubuntu');
      const names = ['#ubuntu', room('general'), room('random')];
      const posted = new Map<string, { room: string; ts: string }>();
      for (let i = 0; i < 10_000; i++) {
        const name = names[i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2];
        const { id, ts } = await post(name, `message ${i}`);
        posted.set(id, { room: name, ts });
      }

      const response = await app.inject({ method: 'POST', url: '/api/v1/exports', payload: {} });

      expect(response.statusCode).toBe(200);
      const byRoom = new Map(
        response.json().exports.map((e: { room: string; rows: number }) => [e.room, e.rows]),
      );
      expect(names.map((name) => byRoom.get(name))).toEqual([5000, 3000, 2000]);

      const [totals] = await duckdb(
        `SELECT count(*) AS n, count(DISTINCT id) AS ids, any_value(typeof(ts)) AS type
         FROM ${archiveTable(root)}`,
      );
      expect(totals).toEqual({ n: 10_000n, ids: 10_000n, type: 'TIMESTAMP' });

      const perRoom = await duckdb(
        `SELECT room, count(*) AS n FROM ${archiveTable(root)} GROUP BY room ORDER BY n DESC`,
      );
      expect(perRoom).toEqual(
        names.map((name, i) => ({ room: name, n: [5000n, 3000n, 2000n][i] })),
      );

      const rows = await duckdb(
        `SELECT id, room, epoch_ms(ts) AS ms, strftime(date, '%Y-%m-%d') AS date
         FROM ${archiveTable(root)}`,
      );
      for (const row of rows) {
        const sent = posted.get(row.id as string)!;
        expect({ room: row.room, ms: Number(row.ms) }).toEqual({
          room: sent.room,
          ms: Date.parse(sent.ts),
        });
        expect(row.date).toBe(sent.ts.slice(0, 10));
      }
    });

    it('writes files of at most the batch size, each within one date', async () => {
      const files = await duckdb(
        `SELECT filename, count(*) AS n, count(DISTINCT date) AS dates
         FROM ${archiveTable(root)} GROUP BY filename`,
      );

      expect(files.length).toBeGreaterThanOrEqual(10);
      for (const file of files) {
        expect(Number(file.n)).toBeLessThanOrEqual(BATCH_SIZE);
        expect(file.dates).toBe(1n);
      }
      const dates = await duckdb(`SELECT DISTINCT date FROM ${archiveTable(root)}`);
      expect(dates).toHaveLength(2);
    });

    it('writes nothing when exporting again', async () => {
      const before = archiveFiles();

      const response = await exportRoom('#ubuntu');
      const all = await app.inject({ method: 'POST', url: '/api/v1/exports', payload: {} });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ room: '#ubuntu', rows: 0, files: [], bytes: 0 });
      expect(all.json().rows).toBe(0);
      expect(archiveFiles()).toEqual(before);
    });

    it('returns texts byte for byte and finds each with WHERE text =', async () => {
      const name = room('unicode');
      const ids = [];
      for (const text of TRICKY_TEXTS) ids.push((await post(name, text)).id);

      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/exports',
        payload: { room: name },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().exports[0]).toMatchObject({ room: name, rows: TRICKY_TEXTS.length });

      for (const [i, text] of TRICKY_TEXTS.entries()) {
        const found = await duckdb(
          `SELECT id, text, octet_length(encode(text)) AS bytes FROM ${archiveTable(root)}
           WHERE room = $1 AND text = $2`,
          [name, text],
        );
        expect(found).toEqual([
          { id: ids[i], text, bytes: BigInt(Buffer.byteLength(text, 'utf8')) },
        ]);
      }
    });

    it.each(['../../etc', '..', 'a/b', '%2e%2e', '', 'x'.repeat(65)])(
      'refuses the room %j with a 400',
      async (bad) => {
        const query = await exportRoom(bad);
        const body = await app.inject({
          method: 'POST',
          url: '/api/v1/exports',
          payload: { room: bad },
        });

        expect([query.statusCode, body.statusCode]).toEqual([400, 400]);
        expect(body.json().message).toMatch(/room must be/);
      },
    );

    it('refuses unknown fields', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/exports',
        payload: { room: 'a', force: true },
      });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('hot tier', () => {
    it(`keeps the newest ${HOT_RETENTION} messages after an export`, async () => {
      const name = room('retention');
      const ids = [];
      for (let i = 0; i < 250; i++) ids.push((await post(name, `m${i}`)).id);

      expect((await exportRoom(name)).json().rows).toBe(250);

      const kept = (await valkey.xrange(roomKeys(name).messages, '-', '+')).map(([id]) => id);
      expect(kept).toEqual(ids.slice(-HOT_RETENTION));
    });

    it('never trims messages that are not archived, whatever their number', async () => {
      const name = room('unarchived');
      const state = new ArchiveState(valkey);
      const ids = [];
      for (let i = 0; i < 50; i++) ids.push((await post(name, `archived ${i}`)).id);
      expect((await exportRoom(name)).json().rows).toBe(50);
      for (let i = 0; i < 300; i++) ids.push((await post(name, `new ${i}`)).id);

      // 300 messages after the watermark, retention 100: only archived ones may go.
      await state.trimHotTier(name, HOT_RETENTION);
      const afterTrim = (await valkey.xrange(roomKeys(name).messages, '-', '+')).map(([id]) => id);
      await state.trimHotTier(name, 0);
      const afterZero = (await valkey.xrange(roomKeys(name).messages, '-', '+')).map(([id]) => id);

      expect(afterTrim).toEqual(ids.slice(50));
      expect(afterZero).toEqual(ids.slice(50));
      expect(await state.watermark(name)).toBe(ids[49]);
    });

    it('keeps archived messages to fill the retention when few are unarchived', async () => {
      const name = room('fill');
      const state = new ArchiveState(valkey);
      const ids = [];
      for (let i = 0; i < 200; i++) ids.push((await post(name, `archived ${i}`)).id);
      await exportRoom(name);
      for (let i = 0; i < 30; i++) ids.push((await post(name, `new ${i}`)).id);

      await state.trimHotTier(name, HOT_RETENTION);

      const kept = (await valkey.xrange(roomKeys(name).messages, '-', '+')).map(([id]) => id);
      expect(kept).toEqual(ids.slice(-HOT_RETENTION));
    });
  });

  describe(ArchiveService.name, () => {
    it('skips at once with skipped: locked when another export holds the lock', async () => {
      const name = room('locked');
      await post(name, 'hello');
      await valkey.set(roomKeys(name).exportLock, 'someone-else', 'PX', 30_000);

      const result = await app.get(ArchiveService).exportRoom(name, { waitForLock: false });

      expect(result).toMatchObject({ room: name, rows: 0, files: [], skipped: 'locked' });
      expect(await new ArchiveState(valkey).watermark(name)).toBeUndefined();
      await valkey.del(roomKeys(name).exportLock);
    });

    it('announces each export on chat.export.completed', async () => {
      const name = room('events');
      await post(name, 'hello');
      const subscriber = valkey.duplicate();
      const received = new Promise<unknown>((resolve) =>
        subscriber.on('message', (_channel: string, body: string) => {
          const event = JSON.parse(body);
          if (event.data.room === name) resolve(event);
        }),
      );
      await subscriber.subscribe('chat.export.completed');

      await app.get(ArchiveService).exportRoom(name);

      expect(await received).toMatchObject({
        pattern: 'chat.export.completed',
        data: { room: name, rows: 1, files: [{ rows: 1 }] },
      });
      subscriber.disconnect();
    });
  });

  it('exposes the archive store in readiness', async () => {
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.json()).toMatchObject({ checks: { archive: 'up' } });
  });

  it('leaves only complete archive files in the archive', () => {
    const entries = readdirSync(root, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)));

    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((file) => !parseArchiveFileKey(file))).toEqual([]);
  });
});
