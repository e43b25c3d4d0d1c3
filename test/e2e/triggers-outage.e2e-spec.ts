import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Valkey } from 'iovalkey';

import { ChatEvents } from '../../src/events/chat-events';
import { archivedCount } from '../support/archive-files';
import { EventListener } from '../support/event-listener';
import { PrivateValkey } from '../support/private-valkey';
import { ServiceProcess } from '../support/service-process';
import { uniqueRoom } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const { findServerBinary } = require('../../scripts/local-valkey.cjs');
const describeWithServer = findServerBinary() ? describe : describe.skip;
if (!findServerBinary()) {
  process.stderr.write('Skipping trigger outage tests: no valkey-server or redis-server\n');
}

describeWithServer('Triggers when Valkey or its Pub/Sub is away (a private server)', () => {
  const archiveDir = mkdtempSync(join(tmpdir(), 'valkey-chat-trigger-outage-'));
  let valkey: PrivateValkey;
  let admin: Valkey;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    valkey = (await PrivateValkey.create()) as PrivateValkey;
    admin = new Valkey(valkey.url);
  });

  afterAll(async () => {
    await service?.stop();
    admin?.disconnect();
    await valkey?.dispose();
    rmSync(archiveDir, { recursive: true, force: true });
  });

  function start(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return ServiceProcess.start({
      VALKEY_URL: valkey.url,
      TRIGGERS_ENABLED: 'true',
      ARCHIVE_DIR: archiveDir,
      ...env,
    });
  }

  async function post(to: ServiceProcess, room: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${to.url}/api/v1/message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ room, user: 'bob', text: `message ${i}` }),
      });
      expect(response.status).toBe(201);
    }
  }

  async function readiness(of: ServiceProcess): Promise<{ status: number; message?: string }> {
    const response = await fetch(`${of.url}/health/ready`);
    const body = (await response.json()) as { message?: string };
    return { status: response.status, message: body.message };
  }

  it('handles events again after Valkey restarts, without restarting the service', async () => {
    service = await start();
    const room = uniqueRoom('restart');
    await post(service, room, 2);
    await waitFor(async () => (await readiness(service!)).status === 200, 'readiness');

    await valkey.stop();
    await waitFor(async () => (await readiness(service!)).status === 503, 'readiness down');
    await valkey.start();
    const answering = Date.now();

    // Pub/Sub keeps nothing for a subscriber that is still away: ask until one is handled.
    const listener = await EventListener.start([ChatEvents.exportCompleted], [], valkey.url);
    const request = JSON.stringify({ pattern: ChatEvents.exportRequested, data: { room } });
    try {
      await waitFor(
        async () => {
          if (listener.payloads(ChatEvents.exportCompleted, room).length > 0) return true;
          await admin.publish(ChatEvents.exportRequested, request).catch(() => 0);
          return false;
        },
        'an export request handled after the restart',
        30_000,
      );
    } finally {
      listener.close();
    }
    const handledAfterMs = Date.now() - answering;

    expect(listener.payloads(ChatEvents.exportCompleted, room)[0]).toMatchObject({ rows: 2 });
    expect(service.running).toBe(true);
    process.stderr.write(`[figures] restart: events handled ${handledAfterMs} ms after Valkey\n`);
    await service.stop();
    service = undefined;
  });

  it('archives a quiet room by the sweep while the event connection is cut the whole time', async () => {
    // Nobody may use Pub/Sub: the service's subscription and its own publishes are refused.
    await admin.call('ACL', 'SETUSER', 'default', 'resetchannels');
    try {
      service = await start({ EXPORT_MAX_LAG_MS: '2000', EXPORT_THRESHOLD: '10' });
      const room = uniqueRoom('quiet');
      const busy = uniqueRoom('busy');
      await post(service, room, 3);
      const posted = Date.now();
      await post(service, busy, 12);

      const cut = await readiness(service);
      expect(cut.status).toBe(503);
      expect(cut.message).toMatch(/events/);

      await waitFor(
        async () => (await archivedCount(archiveDir, room)).rows === 3,
        'the quiet room archived',
        30_000,
      );
      const archivedAfterMs = Date.now() - posted;
      expect((await readiness(service)).status).toBe(503);

      // A room past its threshold is found by the sweep too, though no event announced it.
      await waitFor(
        async () => (await archivedCount(archiveDir, busy)).rows === 12,
        'the busy room archived',
      );
      const causes = service.output
        .join('')
        .split('\n')
        .filter((line) => line.includes(`Archiving room ${busy} `));
      expect(causes[0]).toMatch(/reached EXPORT_THRESHOLD/);
      process.stderr.write(`[figures] sweep: quiet room archived ${archivedAfterMs} ms after\n`);
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', 'allchannels');
    }

    await waitFor(
      async () => (await readiness(service!)).status === 200,
      'events subscribed once Pub/Sub is allowed again',
    );
  });
});
