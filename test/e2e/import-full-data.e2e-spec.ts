import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { ImportClient } from '../../src/import/cli/import-client';
import { archiveTable, duckdb, tempDir } from '../support/archive-support';
import { idMs, InputLine, readInputLines, readRoomStream } from '../support/ndjson';
import { PrivateValkey } from '../support/private-valkey';
import { startTestApp } from '../support/test-app';

/**
 * The full IRC data (239,035 lines), imported through the running service into a Valkey of its
 * own, then archived and read back by DuckDB. Only with IRC_DATA_DIR set (`npm run
 * import:check`); the default suite stays fast.
 */
const DATA_DIR = process.env.IRC_DATA_DIR;
const describeWithData = DATA_DIR ? describe : describe.skip;

describeWithData('Import of the full IRC data', () => {
  let server: PrivateValkey;
  let app: NestFastifyApplication;
  let valkey: Valkey;
  const archiveDir = tempDir('import-full-data');

  beforeAll(async () => {
    const created = await PrivateValkey.create({ persistent: false });
    if (!created) throw new Error('no valkey-server or redis-server installed');
    server = created;
    app = await startTestApp({
      VALKEY_URL: server.url,
      TRIGGERS_ENABLED: 'false',
      ARCHIVE_DIR: archiveDir,
      HOT_RETENTION: '100',
    });
    await app.listen(0, '127.0.0.1');
    valkey = new Valkey(server.url);
  }, 30_000);

  afterAll(async () => {
    valkey?.disconnect();
    await app?.close();
    await server?.dispose();
  });

  it('imports every line or refuses it with a reason, and archives texts byte for byte', async () => {
    const files = readdirSync(DATA_DIR!)
      .filter((file) => file.endsWith('.jsonl'))
      .sort()
      .map((file) => join(DATA_DIR!, file));
    const client = new ImportClient(await app.getUrl(), {
      maxBytes: 4 * 1024 * 1024,
      maxLines: 10_000,
      listedRefusals: 1_000_000,
    });
    for (const file of files) await client.importFile(file);

    const { totals } = client;
    const inputs = files.map((file) => ({ file, lines: readInputLines(file) }));
    const lineCount = inputs.reduce((sum, input) => sum + input.lines.length, 0);
    expect(lineCount).toBe(239_035);
    expect(totals.lines).toBe(lineCount);
    expect(totals.imported + totals.refused).toBe(lineCount);
    expect(totals.refusals).toHaveLength(totals.refused);
    for (const refusal of totals.refusals) expect(refusal.reason).toMatch(/\w/);

    // What should be stored: every input line but the refused ones, room by room, in order.
    const refused = new Set(totals.refusals.map(({ file, line }) => `${file}:${line}`));
    const expected = new Map<string, InputLine[]>();
    for (const { file, lines } of inputs) {
      lines.forEach((line, i) => {
        if (refused.has(`${file}:${i + 1}`)) return;
        const room = expected.get(line.room) ?? [];
        room.push(line);
        expected.set(line.room, room);
      });
    }

    const storedIds = new Map<string, string[]>();
    for (const [room, lines] of expected) {
      expect([room, totals.rooms.get(room)]).toEqual([room, lines.length]);
      const stored = await readRoomStream(valkey, room);
      storedIds.set(
        room,
        stored.map((entry) => entry.id),
      );
      expect([room, stored.length]).toEqual([room, lines.length]);
      let mismatches = 0;
      stored.forEach((entry, i) => {
        const line = lines[i];
        const sameText = Buffer.from(entry.text).equals(Buffer.from(line.text));
        const sameTime = line.ts === undefined || idMs(entry.id) === Date.parse(line.ts);
        if (!sameText || entry.user !== line.user || !sameTime) mismatches++;
      });
      expect([room, mismatches]).toEqual([room, 0]);
    }

    await expectArchiveMatches(totals.imported, expected, storedIds);
  }, 600_000);

  /** Archives every room, then compares what DuckDB reads with what was imported. */
  async function expectArchiveMatches(
    imported: number,
    expected: Map<string, InputLine[]>,
    storedIds: Map<string, string[]>,
  ): Promise<void> {
    const exported = await app.inject({ method: 'POST', url: '/api/v1/exports', payload: {} });
    expect(exported.statusCode).toBe(200);

    const table = archiveTable(archiveDir);
    const [totals] = await duckdb(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT (room, id))::INTEGER AS ids FROM ${table}`,
    );
    expect(totals).toEqual({ n: imported, ids: imported });

    const perRoom = await duckdb(`SELECT room, count(*)::INTEGER AS n FROM ${table} GROUP BY room`);
    const counts = Object.fromEntries(perRoom.map((row) => [row.room, row.n]));
    expect(counts).toEqual(
      Object.fromEntries([...expected].map(([room, lines]) => [room, lines.length])),
    );

    const drawn = drawMessages(1000, expected, storedIds);
    // Room names (validated: no quotes or spaces) and ids are safe as SQL literals.
    const keys = drawn.map((m) => `'${m.room} ${m.id}'`).join(', ');
    const rows = await duckdb(
      `SELECT room, id, "user", text FROM ${table} WHERE room || ' ' || id IN (${keys})`,
    );
    const archived = new Map(rows.map((row) => [`${row.room} ${row.id}`, row]));
    let differing = 0;
    for (const message of drawn) {
      const row = archived.get(`${message.room} ${message.id}`);
      const same =
        row !== undefined &&
        row.user === message.line.user &&
        Buffer.from(String(row.text)).equals(Buffer.from(message.line.text));
      if (!same) differing++;
    }
    expect({ drawn: drawn.length, differing }).toEqual({ drawn: 1000, differing: 0 });
  }
});

/** `count` imported messages drawn at random, each with its input line and its stored id. */
function drawMessages(
  count: number,
  expected: Map<string, InputLine[]>,
  storedIds: Map<string, string[]>,
): { room: string; id: string; line: InputLine }[] {
  const all = [...expected].flatMap(([room, lines]) =>
    lines.map((line, i) => ({ room, id: storedIds.get(room)![i], line })),
  );
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}
