import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Valkey } from 'iovalkey';

import { parseArchiveFileKey, roomPrefix } from '../../src/archive/archive-layout';
import { ArchiveState } from '../../src/archive/archive-state';
import {
  archiveTable,
  duckdb,
  forgetRoom,
  tempDir,
  valkeyClient,
} from '../support/archive-support';
import { ServiceProcess } from '../support/service-process';
import { uniqueRoom, valkeyUrl } from '../support/test-app';

const DB = 1;
const KILLS = 20;

async function post(service: ServiceProcess, room: string, text: string) {
  const response = await fetch(`${service.url}/api/v1/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, user: 'dave', text }),
  });
  return response.status === 201 ? ((await response.json()) as { id: string }).id : undefined;
}

async function exportRoom(service: ServiceProcess, room: string): Promise<number> {
  const response = await fetch(`${service.url}/api/v1/export?room=${encodeURIComponent(room)}`);
  await response.arrayBuffer();
  return response.status;
}

/** Keeps posting to a room through a service until stopped; collects the ids answered 201. */
class Poster {
  readonly accepted = new Set<string>();
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(service: ServiceProcess, room: string, concurrency = 2) {
    this.loops = Array.from({ length: concurrency }, (_, lane) => this.loop(service, room, lane));
  }

  async stop(): Promise<Set<string>> {
    this.running = false;
    await Promise.all(this.loops);
    return this.accepted;
  }

  private async loop(service: ServiceProcess, room: string, lane: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const id = await post(service, room, `lane ${lane} message ${i}`).catch(() => undefined);
      if (id) this.accepted.add(id);
    }
  }
}

/** Every file under the root, as a key relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

async function expectArchivedExactlyOnce(
  root: string,
  room: string,
  accepted: Set<string>,
): Promise<void> {
  const [totals] = await duckdb(
    `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${archiveTable(root)} WHERE room = $1`,
    [room],
  );
  const ids = await duckdb(`SELECT id FROM ${archiveTable(root)} WHERE room = $1`, [room]);

  expect(totals).toEqual({ n: BigInt(accepted.size), ids: BigInt(accepted.size) });
  expect(new Set(ids.map((row) => row.id))).toEqual(accepted);
}

describe('Archive under crashes and concurrency (service processes)', () => {
  const root = tempDir('archive-crash');
  const env = {
    VALKEY_URL: valkeyUrl(DB),
    ARCHIVE_DIR: root,
    EXPORT_BATCH_SIZE: '100',
    EXPORT_LOCK_TTL_MS: '1000',
    HOT_RETENTION: '50',
    TRIGGERS_ENABLED: 'false',
  };
  const rooms: string[] = [];
  let valkey: Valkey;
  let stable: ServiceProcess;

  beforeAll(async () => {
    valkey = valkeyClient(DB);
    stable = await ServiceProcess.start(env);
  });

  afterAll(async () => {
    await stable?.stop();
    for (const room of rooms) await forgetRoom(valkey, room);
    valkey.disconnect();
  });

  it(`archives every accepted message exactly once though exports are killed ${KILLS} times`, async () => {
    const room = uniqueRoom('crash');
    rooms.push(room);
    const state = new ArchiveState(valkey);
    const poster = new Poster(stable, room);
    let killedMidRange = 0;

    for (let round = 0; round < KILLS; round++) {
      const victim = await ServiceProcess.start(env);
      const exporting = exportRoom(victim, room).catch(() => undefined);
      await sleep(50 + Math.floor(Math.random() * 600));
      if (await state.pending(room)) killedMidRange++;
      await victim.stop(); // SIGKILL
      await exporting;
    }
    const accepted = await poster.stop();

    const final = await exportRoom(stable, room);

    expect(final).toBe(200);
    expect(accepted.size).toBeGreaterThan(0);
    await expectArchivedExactlyOnce(root, room, accepted);
    // Only complete archive files remain: no staging file, none of a killed run.
    const files = filesUnder(root).filter((file) => file.startsWith(roomPrefix(room)));
    expect(files.filter((file) => !parseArchiveFileKey(file))).toEqual([]);
    console.log(
      `crash test: ${accepted.size} messages accepted, ${KILLS} kills, ` +
        `${killedMidRange} of them with a range pending, ${files.length} files`,
    );
  }, 120_000);

  it('never duplicates a row when two service processes export one room at once', async () => {
    const room = uniqueRoom('concurrent');
    rooms.push(room);
    const other = await ServiceProcess.start(env);
    const poster = new Poster(stable, room);

    try {
      for (let round = 0; round < 5; round++) {
        await sleep(200);
        const answers = await Promise.all([exportRoom(stable, room), exportRoom(other, room)]);
        expect(answers).toEqual([200, 200]);
      }
      const accepted = await poster.stop();
      expect(await exportRoom(other, room)).toBe(200);

      await expectArchivedExactlyOnce(root, room, accepted);
    } finally {
      await poster.stop();
      await other.stop();
    }
  });
});
