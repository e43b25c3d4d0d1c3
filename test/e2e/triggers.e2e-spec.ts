import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Valkey } from 'iovalkey';

import { BAD_EVENT_LINES_PER_MINUTE } from '../../src/events/bad-event-log';
import { ChatEvents } from '../../src/events/chat-events';
import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';
import { archivedCount } from '../support/archive-files';
import { EventListener } from '../support/event-listener';
import { HeapProbe } from '../support/heap-probe';
import { freePort } from '../support/private-valkey';
import { ServiceProcess } from '../support/service-process';
import { uniqueRoom, valkeyUrl } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const DB = 4;
const THRESHOLD = 50;

describe('Triggers (one service process, real Valkey Pub/Sub)', () => {
  const archiveDir = mkdtempSync(join(tmpdir(), 'valkey-chat-triggers-'));
  const rooms: string[] = [];
  let service: ServiceProcess;
  let listener: EventListener;
  let valkey: Valkey;
  let inspectorPort: number;

  beforeAll(async () => {
    inspectorPort = await freePort();
    listener = await EventListener.start(
      [ChatEvents.exportCompleted, ChatEvents.exportFailed],
      ['*.reply'],
    );
    valkey = new Valkey(valkeyUrl(DB));
    service = await ServiceProcess.start({
      VALKEY_URL: valkeyUrl(DB),
      TRIGGERS_ENABLED: 'true',
      EXPORT_THRESHOLD: String(THRESHOLD),
      ARCHIVE_DIR: archiveDir,
      // The hostile-payload test reads the heap through the inspector, on loopback only.
      NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}`,
    });
    await waitFor(async () => (await ready(service)).status === 200, 'readiness with events');
  });

  afterAll(async () => {
    if (process.env.SHOW_SERVICE_OUTPUT) process.stderr.write(service?.output.join('') ?? '');
    await service?.stop();
    listener?.close();
    for (const room of rooms) {
      const keys = roomKeys(room);
      await valkey.del(keys.messages, keys.archive, keys.exportLock, keys.thresholdMark);
      await valkey.srem(ROOMS_KEY, room);
    }
    valkey?.disconnect();
    rmSync(archiveDir, { recursive: true, force: true });
  });

  function room(prefix: string): string {
    const name = uniqueRoom(prefix);
    rooms.push(name);
    return name;
  }

  async function post(to: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${service.url}/api/v1/message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ room: to, user: 'alice', text: `message ${i}` }),
      });
      expect(response.status).toBe(201);
    }
  }

  it('archives a room in the background when its un-archived messages reach the threshold', async () => {
    const busy = room('threshold');
    const started = Date.now();

    await post(busy, 120);
    await waitFor(
      async () => (await archivedCount(archiveDir, busy)).rows >= 100,
      '100 of 120 messages archived',
    );
    const elapsed = Date.now() - started;

    const archived = await archivedCount(archiveDir, busy);
    expect(archived.distinct).toBe(archived.rows);
    expect(archived.rows).toBeLessThanOrEqual(120);
    // No HTTP export was asked for: every export of the room came from the threshold.
    const causes = service.output
      .join('')
      .split('\n')
      .filter((line) => line.includes(`Archiving room ${busy} `));
    expect(causes.length).toBeGreaterThan(0);
    expect(causes.every((line) => line.includes('reached EXPORT_THRESHOLD'))).toBe(true);
    process.stderr.write(`[figures] threshold: ${archived.rows} of 120 archived ${elapsed} ms\n`);
  });

  it('archives a room asked for with valkey-cli PUBLISH and announces the result', async () => {
    const asked = room('cli');
    await post(asked, 3);
    const body = JSON.stringify({ pattern: ChatEvents.exportRequested, data: { room: asked } });

    publishWithCli(ChatEvents.exportRequested, body);

    const completed = await listener.next(ChatEvents.exportCompleted, asked);
    expect(completed).toMatchObject({ room: asked, rows: 3 });
    expect((await archivedCount(archiveDir, asked)).rows).toBe(3);
  });

  it("archives a room asked for by another service through Nest's ClientProxy", async () => {
    const asked = room('client-proxy');
    await post(asked, 2);

    const emitter = spawnSync(
      process.execPath,
      [
        join(__dirname, '../support/client-proxy-emit.mjs'),
        valkeyUrl(DB),
        ChatEvents.exportRequested,
        JSON.stringify({ room: asked }),
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(emitter.stderr).toBe('');
    expect(emitter.status).toBe(0);

    const completed = await listener.next(ChatEvents.exportCompleted, asked);
    expect(completed).toMatchObject({ room: asked, rows: 2 });
  });

  it('survives hostile payloads: one bounded log line each, no reply, no crash', async () => {
    const target = room('hostile');
    await post(target, 4);
    const publisher = new Valkey(valkeyUrl(DB));
    const channels = [ChatEvents.exportRequested, ChatEvents.messageCreated];
    const request = JSON.stringify({
      pattern: ChatEvents.exportRequested,
      data: { room: target },
    });

    /** Publishes a valid request and waits for its export: everything sent before is handled. */
    const handledSoFar = async (): Promise<Record<string, unknown>> => {
      const seen = listener.payloads(ChatEvents.exportCompleted, target).length;
      await publisher.publish(ChatEvents.exportRequested, request);
      return listener.next(ChatEvents.exportCompleted, target, seen);
    };

    const heap = await HeapProbe.connect(inspectorPort);
    let heapBefore: number;
    let rssBefore: number;
    try {
      await handledSoFar();
      heapBefore = await heap.liveBytes();
      rssBefore = residentMemory(service.pid);

      for (const channel of channels) {
        for (const body of hostileBodies(channel, target)) await publisher.publish(channel, body);
      }
      const small = hostileBodies(ChatEvents.exportRequested, target).filter(
        (body) => body.length < 10_000,
      );
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          publisher.publish(channels[i % 2], small[i % small.length]),
        ),
      );
      expect(await handledSoFar()).toMatchObject({ room: target });
    } finally {
      publisher.disconnect();
    }
    const heapAfter = await heap.liveBytes();
    heap.close();

    expect(service.running).toBe(true);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect(listener.received.filter((event) => event.channel.endsWith('.reply'))).toEqual([]);
    expect((await archivedCount(archiveDir, target)).rows).toBe(4);

    const output = service.output.join('');
    const badEventLines = output.split('\n').filter((line) => line.includes('[BadEventLog]'));
    expect(badEventLines.length).toBeGreaterThan(0);
    expect(badEventLines.length).toBeLessThanOrEqual(BAD_EVENT_LINES_PER_MINUTE);
    expect(output).not.toMatch(/ERROR/);

    const rssAfter = residentMemory(service.pid);
    process.stderr.write(
      `[figures] hostile: live heap ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after; ` +
        `RSS ${mb(rssBefore)} MB before, ${mb(rssAfter)} MB after; ` +
        `${badEventLines.length} log lines\n`,
    );
    // Live objects, after a full collection, are back where they were (within 5 MB).
    expect(heapAfter - heapBefore).toBeLessThan(5 * 1024 * 1024);
  });
});

/** What a publisher may send: not JSON, not objects, wrong shapes, requests, huge bodies. */
function hostileBodies(channel: string, room: string): string[] {
  return [
    'hello',
    '{"room":',
    'null',
    '[]',
    '42',
    '""',
    '{"data":{"room":"../x"}}',
    '{"data":{"room":"a/b"}}',
    '{"data":{"room":"%2e%2e"}}',
    '{"data":{"room":"no-such-room-anywhere"}}',
    JSON.stringify({ pattern: channel, data: { room, extra: true } }),
    JSON.stringify({ pattern: channel, data: { room: 42 } }),
    JSON.stringify({ pattern: channel, data: null }),
    JSON.stringify({ id: '1' }),
    JSON.stringify({ pattern: channel, data: { room: 'no-such-room' }, id: '1' }),
    JSON.stringify({ pattern: { nested: [1, 2] }, data: [] }),
    '{"data":{"room":"../x","__proto__":{"room":"general"}}}',
    `{"data":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    JSON.stringify({ pattern: channel, data: { room: 'x'.repeat(1_000_000) } }),
  ];
}

function publishWithCli(channel: string, body: string): void {
  const cli = spawnSync('redis-cli', ['-u', valkeyUrl(DB), 'PUBLISH', channel, body], {
    encoding: 'utf8',
  });
  if (cli.error) {
    // No redis-cli here: publish the same bytes with a client instead.
    const client = new Valkey(valkeyUrl(DB));
    void client.publish(channel, body).finally(() => client.disconnect());
    return;
  }
  expect(cli.status).toBe(0);
}

async function ready(service: ServiceProcess): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${service.url}/health/ready`);
  return { status: response.status, body: await response.json() };
}

function residentMemory(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
