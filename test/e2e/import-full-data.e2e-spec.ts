import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { ImportClient } from '../../src/import/cli/import-client';
import { idMs, InputLine, readInputLines, readRoomStream } from '../support/ndjson';
import { PrivateValkey } from '../support/private-valkey';
import { startTestApp } from '../support/test-app';

/**
 * The full IRC data (239,035 lines), imported through the running service into a Valkey of its
 * own. Only with IRC_DATA_DIR set (`npm run import:check`); the default suite stays fast.
 */
const DATA_DIR = process.env.IRC_DATA_DIR;
const describeWithData = DATA_DIR ? describe : describe.skip;

describeWithData('Import of the full IRC data', () => {
  let server: PrivateValkey;
  let app: NestFastifyApplication;
  let valkey: Valkey;

  beforeAll(async () => {
    const created = await PrivateValkey.create({ persistent: false });
    if (!created) throw new Error('no valkey-server or redis-server installed');
    server = created;
    app = await startTestApp({ VALKEY_URL: server.url, TRIGGERS_ENABLED: 'false' });
    await app.listen(0, '127.0.0.1');
    valkey = new Valkey(server.url);
  }, 30_000);

  afterAll(async () => {
    valkey?.disconnect();
    await app?.close();
    await server?.dispose();
  });

  it('imports or refuses with a reason every line, and stores texts byte for byte', async () => {
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

    for (const [room, lines] of expected) {
      expect([room, totals.rooms.get(room)]).toEqual([room, lines.length]);
      const stored = await readRoomStream(valkey, room);
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
  }, 600_000);
});
