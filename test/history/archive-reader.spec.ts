import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { archiveFileKey, partitionDate } from '../../src/archive/archive-layout';
import { LocalObjectStore } from '../../src/archive/local-object-store';
import { ObjectStore, StoredObject } from '../../src/archive/object-store';
import { ChatMessage } from '../../src/common/chat-message';
import { compareMessageIds } from '../../src/common/message-id';
import {
  ArchiveQuery,
  ArchiveReader,
  DEFAULT_READER_LIMITS,
} from '../../src/history/archive-reader';
import { DuckDbArchive } from '../support/archive-fixtures';

const DAY = 86_400_000;
const DAY_ONE = Date.UTC(2025, 0, 10);

/** The local store, with every ranged read it served written down. */
class RecordingStore implements ObjectStore {
  readonly reads: { key: string; start: number; end: number }[] = [];
  lists = 0;

  constructor(private readonly inner: ObjectStore) {}

  get location(): string {
    return this.inner.location;
  }

  putFile(key: string, localPath: string): Promise<void> {
    return this.inner.putFile(key, localPath);
  }

  list(prefix: string): AsyncIterable<StoredObject> {
    this.lists++;
    return this.inner.list(prefix);
  }

  size(key: string): Promise<number | undefined> {
    return this.inner.size(key);
  }

  readRange(key: string, start: number, end: number): Promise<Buffer> {
    this.reads.push({ key, start, end });
    return this.inner.readRange(key, start, end);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  isReady(): Promise<boolean> {
    return this.inner.isReady();
  }
}

/** The archive writer's schema and options (parquetjs-lite, version 1 pages, ts statistics). */
async function writeWithParquetjs(
  path: string,
  rows: readonly ChatMessage[],
  rowGroupSize: number,
): Promise<void> {
  const { ParquetSchema, ParquetWriter } = require('parquetjs-lite');
  const text = (statistics: boolean) => ({ type: 'UTF8', compression: 'SNAPPY', statistics });
  const schema = new ParquetSchema({
    id: text(false),
    room: text(false),
    user: text(false),
    text: text(false),
    ts: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
  });
  await mkdir(dirname(path), { recursive: true });
  const writer = await ParquetWriter.openFile(schema, path, { rowGroupSize, useDataPageV2: false });
  for (const row of rows) await writer.appendRow({ ...row });
  await writer.close();
}

function messages(room: string, count: number, startMs: number, stepMs: number): ChatMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${startMs + i * stepMs}-0`,
    room,
    user: `user${i % 13}`,
    text: `text ${i}`,
    ts: startMs + i * stepMs,
  }));
}

describe(ArchiveReader.name, () => {
  let archive: DuckDbArchive;

  beforeAll(async () => {
    archive = await DuckDbArchive.create();
  });

  afterAll(async () => {
    await archive.close();
  });

  describe('read', () => {
    const room = '#big-room';
    let rows: ChatMessage[];
    let fileSize: number;
    let store: RecordingStore;
    let reader: ArchiveReader;

    beforeAll(async () => {
      // 150,000 rows in one file: three row groups (DuckDB rounds 50,000 up to 51,200).
      rows = messages(room, 150_000, DAY_ONE, 500);
      const [key] = await archive.write(rows);
      fileSize = (await new LocalObjectStore(archive.root).size(key))!;
    });

    beforeEach(() => {
      store = new RecordingStore(new LocalObjectStore(archive.root));
      reader = new ArchiveReader(store);
    });

    const watermark = () => rows[rows.length - 1].id;
    const query = (overrides: Partial<ArchiveQuery>): ArchiveQuery => ({
      room,
      order: 'desc',
      window: { upper: { id: watermark(), inclusive: true } },
      limit: 101,
      ...overrides,
    });

    it('reads one row group of four columns with ranged reads for a window inside it', async () => {
      const fromMs = rows[60_000].ts;
      const toMs = rows[60_500].ts;

      const page = await reader.read(query({ fromMs, toMs }), watermark());

      expect(page.map((message) => message.id)).toEqual(
        rows
          .slice(60_399, 60_500)
          .map((message) => message.id)
          .reverse(),
      );
      expect(page[0]).toEqual(rows[60_499]);
      expect(reader.stats()).toMatchObject({
        filesOpened: 1,
        rowGroupsInOpenedFiles: 3,
        rowGroupsSkippedByStatistics: 2,
        rowGroupsRead: 1,
        columnChunksRead: 4,
      });
      for (const read of store.reads) expect(read.end - read.start).toBeLessThan(fileSize / 4);
      expect(reader.stats().bytesRead).toBeLessThan(fileSize / 2);
    });

    it('stops after the newest row group when it holds the whole page', async () => {
      const page = await reader.read(query({}), watermark());

      expect(page).toEqual(rows.slice(-101).reverse());
      expect(reader.stats().rowGroupsRead).toBe(1);
    });

    it('keeps footers and decoded columns: the next page reads nothing new', async () => {
      const first = await reader.read(query({ limit: 50 }), watermark());
      const reads = store.reads.length;

      const upper = { id: first[first.length - 1].id, inclusive: false };
      const second = await reader.read(query({ limit: 50, window: { upper } }), watermark());

      expect(second).toEqual(rows.slice(-100, -50).reverse());
      expect(store.reads.length).toBe(reads);
    });

    it('reads the footer again once the bounded cache dropped it', async () => {
      const small = new ArchiveReader(store, {
        ...DEFAULT_READER_LIMITS,
        footerCacheBytes: 10,
        columnCacheBytes: 10,
      });

      await small.read(query({ limit: 5 }), watermark());
      await small.read(query({ limit: 5 }), watermark());

      expect(small.stats().footerReads).toBe(2);
    });

    it('finds the newest messages of one author', async () => {
      const page = await reader.read(query({ user: 'user5', limit: 3 }), watermark());

      const expected = rows
        .filter((row) => row.user === 'user5')
        .slice(-3)
        .reverse();
      expect(page).toEqual(expected);
    });
  });

  describe('decoding', () => {
    it('reads dictionaries of more than 256 entries (parquetjs-lite misreads them)', async () => {
      const room = 'wide-dictionary';
      const rows = messages(room, 20_000, DAY_ONE + 20 * DAY, 1000).map((row, i) => ({
        ...row,
        user: `author-${Math.floor(i / 10) % 1000}`,
      }));
      await archive.write(rows);
      const reader = new ArchiveReader(new LocalObjectStore(archive.root));

      const page = await reader.read(
        { room, order: 'asc', window: {}, limit: 20_000 },
        rows[rows.length - 1].id,
      );

      const duckdb = await archive.query(room);
      expect(page).toEqual(duckdb.sort((a, b) => compareMessageIds(a.id, b.id)));
      expect(page).toEqual(rows);
    });
  });

  describe('files written by parquetjs-lite, as the archive writer writes them', () => {
    it('reads them back, pruning row groups by their ts statistics', async () => {
      const room = 'written-by-parquetjs';
      const rows = messages(room, 60_000, DAY_ONE + 30 * DAY, 1000).map((row, i) => ({
        ...row,
        text: i % 2 === 0 ? `😀 שלום ${i}` : `tab\tand ＡＢＣ ${i}`,
      }));
      const key = archiveFileKey({
        room,
        date: partitionDate(rows[0].ts),
        firstId: rows[0].id,
        lastId: rows[rows.length - 1].id,
      });
      await writeWithParquetjs(join(archive.root, ...key.split('/')), rows, 20_000);
      const reader = new ArchiveReader(new LocalObjectStore(archive.root));

      const all = await reader.read(
        { room, order: 'asc', window: {}, limit: 60_000 },
        rows[rows.length - 1].id,
      );
      expect(all).toEqual(rows);

      reader.resetStats();
      const fromMs = rows[45_000].ts;
      const page = await reader.read(
        { room, order: 'asc', window: {}, fromMs, toMs: fromMs + 10_000, limit: 100 },
        rows[rows.length - 1].id,
      );
      expect(page).toEqual(rows.slice(45_000, 45_010));
      expect(reader.stats()).toMatchObject({ rowGroupsSkippedByStatistics: 2, rowGroupsRead: 1 });
    });
  });

  describe('choosing files', () => {
    const room = 'many-files';
    let all: ChatMessage[];
    let store: RecordingStore;
    let reader: ArchiveReader;

    beforeAll(async () => {
      all = [];
      // Five dates, two exports a day: ten files of 100 rows.
      for (let day = 0; day < 5; day++) {
        for (let half = 0; half < 2; half++) {
          const batch = messages(room, 100, DAY_ONE + day * DAY + (half * DAY) / 2, 60_000);
          await archive.write(batch);
          all.push(...batch);
        }
      }
    });

    beforeEach(() => {
      store = new RecordingStore(new LocalObjectStore(archive.root));
      reader = new ArchiveReader(store);
    });

    const last = () => all[all.length - 1].id;

    it('opens only the file whose id range holds the page', async () => {
      const cursor = all[450].id;
      const page = await reader.read(
        { room, order: 'desc', window: { upper: { id: cursor, inclusive: false } }, limit: 20 },
        last(),
      );

      expect(page).toEqual(all.slice(430, 450).reverse());
      expect(reader.stats()).toMatchObject({ filesListed: 10, filesOpened: 1 });
      expect(new Set(store.reads.map((read) => read.key)).size).toBe(1);
    });

    it('lists only the date partitions of a time range', async () => {
      const fromMs = DAY_ONE + 3 * DAY;
      const page = await reader.read(
        { room, order: 'asc', window: {}, fromMs, toMs: fromMs + DAY, limit: 1000 },
        last(),
      );

      expect(page).toEqual(all.slice(600, 800));
      expect(store.lists).toBe(1);
      expect(reader.stats()).toMatchObject({ filesListed: 2, filesOpened: 2 });
    });

    it('after the watermark moved, lists only the dates since the old one', async () => {
      const upTo = (at: number) => ({ upper: { id: all[at].id, inclusive: true } });
      await reader.read({ room, order: 'desc', window: upTo(499), limit: 5 }, all[499].id);
      expect(store.lists).toBe(1);

      const page = await reader.read(
        { room, order: 'desc', window: upTo(899), limit: 5 },
        all[899].id,
      );

      expect(page).toEqual(all.slice(895, 900).reverse());
      expect(store.lists).toBe(1 + 3);
      const oldest = await reader.read(
        { room, order: 'asc', window: upTo(899), limit: 5 },
        all[899].id,
      );
      expect(oldest).toEqual(all.slice(0, 5));
      expect(store.lists).toBe(4);
    });

    it('lists again only when the watermark moved', async () => {
      const window = { upper: { id: last(), inclusive: true } };
      await reader.read({ room, order: 'desc', window, limit: 5 }, last());
      await reader.read({ room, order: 'desc', window, limit: 5 }, last());
      expect(store.lists).toBe(1);

      await reader.read({ room, order: 'desc', window, limit: 5 }, all[all.length - 2].id);
      expect(store.lists).toBe(2);
    });
  });
});
