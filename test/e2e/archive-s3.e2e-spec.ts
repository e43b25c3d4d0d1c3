import { rmSync } from 'node:fs';

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { ArchiveState } from '../../src/archive/archive-state';
import { S3ObjectStore } from '../../src/archive/s3-object-store';
import { MessageStore } from '../../src/messages/message-store';
import {
  archiveTable,
  downloadBucket,
  duckdb,
  forgetRoom,
  MotoServer,
  S3_CREDENTIALS,
  S3rverServer,
  tempDir,
  valkeyClient,
} from '../support/archive-support';
import { startTestApp, testConfig, uniqueRoom, valkeyUrl } from '../support/test-app';

/** This suite's own database index: "export every room" sees only its rooms. */
const DB = 2;
const PREFIX = 'archive/v1';

interface S3Server {
  readonly endpoint: string;
  stop(): Promise<void>;
}

interface Variant {
  readonly name: string;
  readonly available: boolean;
  start(): Promise<S3Server>;
}

const VARIANTS: Variant[] = [
  { name: 's3rver', available: true, start: () => S3rverServer.start() },
  { name: 'moto_server', available: MotoServer.isInstalled(), start: () => MotoServer.start() },
];

function s3Env(endpoint: string, bucket: string, extra: Record<string, string> = {}) {
  return {
    VALKEY_URL: valkeyUrl(DB),
    STORAGE: 's3',
    S3_ENDPOINT: endpoint,
    S3_BUCKET: bucket,
    S3_PREFIX: PREFIX,
    S3_CREATE_BUCKET: 'true',
    ...S3_CREDENTIALS,
    ...extra,
  };
}

async function postAll(
  app: NestFastifyApplication,
  messages: { room: string; text: string }[],
): Promise<Map<string, { room: string; ts: string }>> {
  const posted = new Map<string, { room: string; ts: string }>();
  for (let i = 0; i < messages.length; i += 50) {
    const responses = await Promise.all(
      messages.slice(i, i + 50).map((message) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/message',
          payload: { ...message, user: 'bob' },
        }),
      ),
    );
    for (const response of responses) {
      expect(response.statusCode).toBe(201);
      const { id, room, ts } = response.json();
      posted.set(`${room} ${id}`, { room, ts });
    }
  }
  return posted;
}

/**
 * Message ids are unique within a room (each room is one stream), so two rooms can hold the same
 * id: "no message twice" is counted as distinct (room, id) pairs.
 */
describe.each(VARIANTS)('Archive to S3 ($name)', ({ name, available, start }) => {
  if (!available) {
    it(`is skipped: ${name} is not installed on this machine`, () => {
      console.warn(`${name} not on the PATH: its S3 variant of the archive tests did not run`);
    });
    return;
  }

  const bucket = `chat-${name.replace(/_/g, '-')}-${Date.now().toString(36)}`;
  const rooms = ['#ubuntu', uniqueRoom('general'), uniqueRoom('random')];
  let server: S3Server;
  let app: NestFastifyApplication;
  let valkey: Valkey;

  beforeAll(async () => {
    valkey = valkeyClient(DB);
    for (const room of rooms) await forgetRoom(valkey, room);
    server = await start();
    app = await startTestApp(s3Env(server.endpoint, bucket, { EXPORT_BATCH_SIZE: '2000' }));
  });

  afterAll(async () => {
    for (const room of rooms) await forgetRoom(valkey, room);
    await app?.close();
    await server?.stop();
    valkey.disconnect();
  });

  it('archives 10,000 messages of 3 rooms exactly once, ts as posted', async () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({
      room: rooms[i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2],
      text: `message ${i}`,
    }));
    const posted = await postAll(app, messages);

    for (const [i, room] of rooms.entries()) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/export?room=${encodeURIComponent(room)}`,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().rows).toBe([5000, 3000, 2000][i]);
      for (const file of response.json().files) expect(file.key).toMatch(/^room=[^/]+\/date=/);
    }

    const dir = tempDir(`download-${name}`);
    const keys = await downloadBucket(server.endpoint, bucket, `${PREFIX}/`, dir);
    expect(keys.every((key) => key.startsWith(`${PREFIX}/room=`))).toBe(true);

    const [totals] = await duckdb(
      `SELECT count(*) AS n, count(DISTINCT (room, id)) AS ids, any_value(typeof(ts)) AS type
       FROM ${archiveTable(dir)}`,
    );
    expect(totals).toEqual({ n: 10_000n, ids: 10_000n, type: 'TIMESTAMP' });

    const perRoom = await duckdb(
      `SELECT room, count(*) AS n FROM ${archiveTable(dir)} GROUP BY room ORDER BY n DESC`,
    );
    expect(perRoom).toEqual(rooms.map((room, i) => ({ room, n: [5000n, 3000n, 2000n][i] })));

    const rows = await duckdb(`SELECT id, room, epoch_ms(ts) AS ms FROM ${archiveTable(dir)}`);
    for (const row of rows) {
      const sent = posted.get(`${row.room} ${row.id}`)!;
      expect([row.room, Number(row.ms)]).toEqual([sent.room, Date.parse(sent.ts)]);
    }
    rmSync(dir, { recursive: true, force: true });

    const again = await app.inject({ method: 'POST', url: '/api/v1/exports', payload: {} });
    expect(again.json().rows).toBe(0);
    const after = await downloadBucket(server.endpoint, bucket, `${PREFIX}/`, tempDir('again'));
    expect(after.sort()).toEqual(keys.sort());
  });
});

describe('Archive to S3 (s3rver) when the server fails', () => {
  let server: S3rverServer;
  let valkey: Valkey;
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    valkey = valkeyClient(DB);
    server = await S3rverServer.start();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await server.dispose();
    valkey.disconnect();
  });

  it('reports a missing bucket at start-up when it may not create it', async () => {
    const config = testConfig(
      s3Env(server.endpoint, 'no-such-bucket', { S3_CREATE_BUCKET: 'false' }),
    );
    const store = new S3ObjectStore(config.s3);

    await expect(store.prepare()).rejects.toThrow(
      /bucket s3:\/\/no-such-bucket\/archive\/v1\/ does not exist.*S3_CREATE_BUCKET=true/,
    );
    store.close();
  });

  it('answers 503 when the server stops mid-export, then archives everything once', async () => {
    const bucket = `chat-outage-${Date.now().toString(36)}`;
    const app = await startTestApp(s3Env(server.endpoint, bucket, { EXPORT_BATCH_SIZE: '100' }));
    apps.push(app);
    const room = uniqueRoom('outage');
    const store = app.get(MessageStore);
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) => store.append(room, 'carol', `m${i + j}`)),
      );
    }

    const subscriber = valkey.duplicate();
    const failedEvent = new Promise<unknown>((resolve) =>
      subscriber.on('message', (_channel: string, body: string) => resolve(JSON.parse(body))),
    );
    await subscriber.subscribe('chat.export.failed');

    const exporting = app.inject({
      method: 'GET',
      url: `/api/v1/export?room=${encodeURIComponent(room)}`,
    });
    await waitForFirstObject(server, bucket);
    await server.stop();
    const failed = await exporting;

    expect(failed.statusCode).toBe(503);
    expect(failed.json().message).toMatch(
      new RegExp(`archive store s3://${bucket}/archive/v1/ is unavailable.*no message was lost`),
    );
    expect(await new ArchiveState(valkey).watermark(room)).toBeUndefined();
    expect(await failedEvent).toMatchObject({
      pattern: 'chat.export.failed',
      data: { room, reason: expect.stringMatching(/archive store s3:.*unavailable/) },
    });
    subscriber.disconnect();
    expect(await valkey.xlen(`chat:{${room}}:messages`)).toBe(10_000);

    await server.resume();
    const retried = await app.inject({
      method: 'GET',
      url: `/api/v1/export?room=${encodeURIComponent(room)}`,
    });
    expect(retried.statusCode).toBe(200);

    const dir = tempDir('download-outage');
    await downloadBucket(server.endpoint, bucket, `${PREFIX}/`, dir);
    const [totals] = await duckdb(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${archiveTable(dir)}`,
    );
    expect(totals).toEqual({ n: 10_000n, ids: 10_000n });
    await forgetRoom(valkey, room);
  });
});

async function waitForFirstObject(server: S3rverServer, bucket: string): Promise<void> {
  const dir = tempDir('probe');
  for (;;) {
    const keys = await downloadBucket(server.endpoint, bucket, `${PREFIX}/`, dir).catch(() => []);
    if (keys.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
