import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Valkey } from 'iovalkey';

import { ChatEvents } from '../../src/events/chat-events';
import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';
import { archivedCount } from '../support/archive-files';
import { ServiceProcess } from '../support/service-process';
import { uniqueRoom, valkeyUrl } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const DB = 5;
const MESSAGES = 2000;
const PARALLEL_POSTS = 16;

describe('Triggers on two service processes', () => {
  const archiveDir = mkdtempSync(join(tmpdir(), 'valkey-chat-trigger-instances-'));
  const rooms = Array.from({ length: 5 }, (_, i) => uniqueRoom(`instances-${i}`));
  let services: ServiceProcess[] = [];
  let valkey: Valkey;

  beforeAll(async () => {
    valkey = new Valkey(valkeyUrl(DB));
    const env = {
      VALKEY_URL: valkeyUrl(DB),
      TRIGGERS_ENABLED: 'true',
      EXPORT_THRESHOLD: '100',
      ARCHIVE_DIR: archiveDir,
    };
    services = await Promise.all([ServiceProcess.start(env), ServiceProcess.start(env)]);
    for (const service of services) {
      await waitFor(
        async () => (await fetch(`${service.url}/health/ready`)).status === 200,
        'readiness with events',
      );
    }
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    for (const room of rooms) {
      const keys = roomKeys(room);
      await valkey.del(keys.messages, keys.archive, keys.exportLock, keys.thresholdMark);
      await valkey.srem(ROOMS_KEY, room);
    }
    valkey?.disconnect();
    rmSync(archiveDir, { recursive: true, force: true });
  });

  it('archives every message exactly once', async () => {
    const started = Date.now();
    let next = 0;
    const poster = async (): Promise<void> => {
      while (next < MESSAGES) {
        const i = next++;
        const service = services[i % 2];
        const response = await fetch(`${service.url}/api/v1/message`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ room: rooms[i % 5], user: `user${i % 7}`, text: `text ${i}` }),
        });
        expect(response.status).toBe(201);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_POSTS }, poster));
    const postedMs = Date.now() - started;

    const archived = async () => Promise.all(rooms.map((room) => archivedCount(archiveDir, room)));
    const byThreshold = await archived();

    // The final sweep: every room asked for once, as an operator would.
    for (const room of rooms) {
      const request = { pattern: ChatEvents.exportRequested, data: { room } };
      await valkey.publish(ChatEvents.exportRequested, JSON.stringify(request));
    }
    await waitFor(
      async () => sum(await archived(), 'rows') >= MESSAGES,
      'every message archived',
      30_000,
    );
    // Both instances got each request: wait until every export either started has ended.
    await waitFor(
      () => services.every((service) => rooms.every((room) => settled(service, room))),
      'both instances done with the requested exports',
    );

    const final = await archived();
    expect(sum(final, 'rows')).toBe(MESSAGES);
    expect(sum(final, 'distinct')).toBe(MESSAGES);
    expect(services.every((service) => service.running)).toBe(true);
    process.stderr.write(
      `[figures] two instances: ${MESSAGES} posted in ${postedMs} ms, ` +
        `${sum(byThreshold, 'rows')} archived by the threshold alone, ` +
        `${sum(final, 'files')} files in all\n`,
    );
  });
});

/** The service took the request for `room`, and each of its exports of the room has ended. */
function settled(service: ServiceProcess, room: string): boolean {
  const lines = service.output.join('').split('\n');
  const about = (text: string) => lines.filter((line) => line.includes(`${text} ${room}`)).length;
  const requested = lines.some((line) => line.includes(`${room} (asked for`));
  return requested && about('Archiving room') === about('Exported room') + about('Export of room');
}

function sum<T extends Record<K, number>, K extends keyof T>(items: T[], key: K): number {
  return items.reduce((total, item) => total + item[key], 0);
}
