import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { StoredObject } from '../../src/archive/object-store';
import { ArchiveObjectStore } from '../../src/archive/object-store.factory';
import { S3ObjectStore } from '../../src/archive/s3-object-store';
import { ChatMessage } from '../../src/common/chat-message';
import { ManualClock } from '../../src/common/message-clock';
import { compareMessageIds } from '../../src/common/message-id';
import { MessagesService } from '../../src/messages/messages.service';
import { DuckDbArchive } from '../support/archive-fixtures';
import {
  downloadBucket,
  forgetRoom,
  S3_CREDENTIALS,
  S3rverServer,
  tempDir,
  valkeyClient,
} from '../support/archive-support';
import { startTestApp, testConfig, uniqueRoom, valkeyUrl } from '../support/test-app';

const DB = 3;
const PREFIX = 'archive/v1';
const START = Date.UTC(2024, 11, 30, 20, 0, 0);

/** The S3 store the application reads through, with every ranged GET written down. */
class RecordingS3Store implements ArchiveObjectStore {
  readonly reads: { key: string; start: number; end: number }[] = [];
  readonly sizes = new Map<string, number>();

  constructor(private readonly inner: S3ObjectStore) {}

  get location(): string {
    return this.inner.location;
  }

  prepare(): Promise<void> {
    return this.inner.prepare();
  }

  putFile(key: string, localPath: string): Promise<void> {
    return this.inner.putFile(key, localPath);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for await (const object of this.inner.list(prefix)) {
      this.sizes.set(object.key, object.size);
      yield object;
    }
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

describe('History timeline on S3 (s3rver)', () => {
  const bucket = `history-${Date.now().toString(36)}`;
  const room = uniqueRoom('s3-timeline');
  const clock = new ManualClock(START);
  const valkey = valkeyClient(DB);
  let server: S3rverServer;
  let store: RecordingS3Store;
  let app: NestFastifyApplication;
  let posted: ChatMessage[];

  beforeAll(async () => {
    server = await S3rverServer.start();
    const env = {
      VALKEY_URL: valkeyUrl(DB),
      STORAGE: 's3',
      S3_ENDPOINT: server.endpoint,
      S3_BUCKET: bucket,
      S3_PREFIX: PREFIX,
      S3_CREATE_BUCKET: 'true',
      EXPORT_BATCH_SIZE: '1500',
      HOT_RETENTION: '200',
      TRIGGERS_ENABLED: 'false',
      ...S3_CREDENTIALS,
    };
    store = new RecordingS3Store(new S3ObjectStore(testConfig(env).s3));
    app = await startTestApp(env, { clock, archiveStore: store });

    // 4,000 messages over two dates, archived by the real export, then 300 more, still hot.
    const messages = app.get(MessagesService);
    posted = [];
    for (let i = 0; i < 4300; i++) {
      posted.push(
        await messages.post(room, `user${i % 5}`, `${i} 😀 ${randomBytes(24).toString('hex')}`),
      );
      clock.advance(i % 3 === 0 ? 0 : 6000);
      if (i === 3999) {
        const response = await app.inject({ method: 'GET', url: `/api/v1/export?room=${room}` });
        expect(response.statusCode).toBe(200);
        expect(response.json().rows).toBe(4000);
      }
    }
    expect(await valkey.xlen(`chat:{${room}}:messages`)).toBe(500);
  });

  afterAll(async () => {
    await forgetRoom(valkey, room);
    valkey.disconnect();
    await app?.close();
    await server?.dispose();
  });

  async function page(url: string) {
    const response = await app.inject({ method: 'GET', url });
    expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
    return response.json() as { messages: { id: string }[]; nextBefore?: string };
  }

  it('pages through the archive on S3 and the hot tail, each id once', async () => {
    const ids: string[] = [];
    let url = `/api/v1/history?room=${room}&limit=100`;
    for (;;) {
      const body = await page(url);
      ids.push(...body.messages.map((message) => message.id));
      if (!body.nextBefore) break;
      url = `/api/v1/history?room=${room}&limit=100&before=${body.nextBefore}`;
    }

    expect(ids).toEqual(posted.map((message) => message.id).reverse());
  });

  it('reads with ranged GETs only, never a whole object', async () => {
    expect(store.reads.length).toBeGreaterThan(0);
    for (const read of store.reads) {
      const size = store.sizes.get(read.key)!;
      expect(read.end - read.start).toBeLessThan(size);
    }
  });

  it('answers a filter exactly as DuckDB does over the same objects, plus the hot ones', async () => {
    const dir = tempDir('history-s3');
    await downloadBucket(server.endpoint, bucket, `${PREFIX}/`, dir);
    const duck = await DuckDbArchive.create(dir);
    try {
      const fromMs = START + 3 * 3_600_000;
      const toMs = START + 5 * 3_600_000;
      const filter = { fromMs, toMs, user: 'user3' };
      const watermark = (await valkey.hget(`chat:{${room}}:archive`, 'watermark'))!;
      const hot = posted.filter(
        (message) =>
          compareMessageIds(message.id, watermark) > 0 &&
          message.user === 'user3' &&
          message.ts >= fromMs &&
          message.ts < toMs,
      );
      const expected = [...(await duck.query(room, filter)), ...hot]
        .sort((a, b) => compareMessageIds(b.id, a.id))
        .map((message) => message.id);
      expect(expected.length).toBeGreaterThan(100);

      const query = `from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;
      const body = await page(`/api/v1/history?room=${room}&${query}&user=user3&limit=1000`);
      expect(body.messages.map((message) => message.id)).toEqual(expected);
    } finally {
      await duck.close(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
