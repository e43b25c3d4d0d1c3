import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { ImportClient } from '../../src/import/cli/import-client';
import { idMs, readInputLines, readRoomStream } from '../support/ndjson';
import { PrivateValkey } from '../support/private-valkey';
import { startTestApp, uniqueRoom, valkeyUrl } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const DB = 6;
const SAMPLES = join(__dirname, '../../samples/irc');

interface Summary {
  lines: number;
  imported: number;
  refused: number;
  rooms: Record<string, number>;
  refusals: { line: number; reason: string }[];
  refusalsNotListed: number;
}

describe('Import API', () => {
  let app: NestFastifyApplication;
  let valkey: Valkey;

  beforeAll(async () => {
    app = await startTestApp({ VALKEY_URL: valkeyUrl(DB), TRIGGERS_ENABLED: 'false' });
    valkey = new Valkey(valkeyUrl(DB));
  });

  afterAll(async () => {
    await app.close();
    valkey.disconnect();
  });

  function post(body: string, contentType = 'application/x-ndjson') {
    return app.inject({
      method: 'POST',
      url: '/api/v1/import',
      headers: { 'content-type': contentType },
      payload: body,
    });
  }

  async function importLines(lines: (string | object)[]): Promise<Summary> {
    const body = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    const response = await post(`${body}\n`);
    expect(response.statusCode).toBe(200);
    const summary: Summary = response.json();
    expect(summary.imported + summary.refused).toBe(summary.lines);
    return summary;
  }

  describe('POST /api/v1/import', () => {
    it('keeps original times: ids from ts, order kept, sequences within one millisecond', async () => {
      const room = uniqueRoom('import-order');
      const lines = [
        { room, user: 'a', text: 'first', ts: '2018-05-31T01:05:27Z' },
        { room, user: 'b', text: 'same second', ts: '2018-05-31T01:05:27Z' },
        { room, user: 'c', text: 'same again', ts: '2018-05-31T01:05:27.000Z' },
        { room, user: 'd', text: 'later, offset', ts: '2018-05-31T03:06:00+02:00' },
        { room, user: 'e', text: 'epoch ms', ts: 1_527_729_000_000 },
      ];

      const summary = await importLines(lines);

      expect(summary).toEqual({
        lines: 5,
        imported: 5,
        refused: 0,
        rooms: { [room]: 5 },
        refusals: [],
        refusalsNotListed: 0,
      });
      const stored = await readRoomStream(valkey, room);
      expect(stored.map((entry) => entry.text)).toEqual(lines.map((line) => line.text));
      expect(stored.map((entry) => entry.id)).toEqual([
        '1527728727000-0',
        '1527728727000-1',
        '1527728727000-2',
        '1527728760000-0',
        '1527729000000-0',
      ]);
    });

    it('refuses bad lines with their line numbers and imports the rest', async () => {
      const room = uniqueRoom('import-bad');
      const ok = (text: string, ts = '2019-01-01T00:00:00Z') => ({ room, user: 'u', text, ts });
      const lines: (string | object)[] = [
        ok('one'),
        '{"room": "x", "user": ',
        '',
        '[1, 2]',
        { room, text: 'no user' },
        ok(''),
        { ...ok('x'), room: '../x' },
        { ...ok('x'), room: 'a/b' },
        { ...ok('x'), room: '%2e%2e' },
        { ...ok('x'), admin: true },
        ok('bad ts', '31/05/2018'),
        ok('no such day', '2018-02-30T00:00:00Z'),
        ok('future', '2999-01-01T00:00:00Z'),
        ok('before the first line', '2018-12-31T23:59:59Z'),
        ok('control \u0007 \u007f \t characters are text'),
        '   ',
        ok('two'),
      ];

      const summary = await importLines(lines);

      expect(summary.lines).toBe(17);
      expect(summary.imported).toBe(3);
      expect(summary.rooms).toEqual({ [room]: 3 });
      expect(summary.refusals.map((refusal) => refusal.line)).toEqual([
        2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16,
      ]);
      const reason = (line: number) => summary.refusals.find((r) => r.line === line)?.reason;
      expect(reason(2)).toBe('not valid JSON');
      expect(reason(3)).toBe('empty line');
      expect(reason(4)).toBe('not a JSON object');
      expect(reason(5)).toMatch(/^user /);
      expect(reason(6)).toMatch(/^text must be 1 to \d+ characters/);
      for (const line of [7, 8, 9]) expect(reason(line)).toMatch(/^room must be/);
      expect(reason(10)).toMatch(/admin should not exist/);
      for (const line of [11, 12]) expect(reason(line)).toMatch(/^ts must be an ISO-8601/);
      expect(reason(13)).toMatch(/later than the time of the import/);
      expect(reason(14)).toMatch(/before the newest message room .* already holds/);

      const stored = await readRoomStream(valkey, room);
      expect(stored.map((entry) => entry.text)).toEqual([
        'one',
        'control \u0007 \u007f \t characters are text',
        'two',
      ]);
    });

    it('refuses lines whose ts lies before what the room already holds', async () => {
      const room = uniqueRoom('import-back');
      const live = await app.inject({
        method: 'POST',
        url: '/api/v1/message',
        payload: { room, user: 'live', text: 'now' },
      });
      expect(live.statusCode).toBe(201);

      const summary = await importLines([
        { room, user: 'old', text: 'from 2018', ts: '2018-05-31T01:05:27Z' },
        { room, user: 'new', text: 'no ts' },
      ]);

      expect(summary.imported).toBe(1);
      expect(summary.refusals).toEqual([
        { line: 1, reason: expect.stringMatching(/^ts 2018-05-31T01:05:27Z is before/) },
      ]);
      const stored = await readRoomStream(valkey, room);
      expect(stored.map((entry) => entry.text)).toEqual(['now', 'no ts']);
    });

    it('gives lines without ts the time of the import', async () => {
      const room = uniqueRoom('import-now');
      const before = Date.now();
      const summary = await importLines([
        { room, user: 'a', text: 'one' },
        { room, user: 'a', text: 'two' },
      ]);
      const after = Date.now();

      expect(summary.imported).toBe(2);
      const stored = await readRoomStream(valkey, room);
      expect(stored.map((entry) => entry.text)).toEqual(['one', 'two']);
      for (const { id } of stored) {
        expect(idMs(id)).toBeGreaterThanOrEqual(before);
        expect(idMs(id)).toBeLessThanOrEqual(after);
      }
    });

    it('lists the first 100 refusals and counts the rest', async () => {
      const summary = await importLines(Array.from({ length: 150 }, (_, i) => `bad ${i}`));

      expect(summary).toMatchObject({ lines: 150, imported: 0, refused: 150 });
      expect(summary.refusals).toHaveLength(100);
      expect(summary.refusals.at(-1)).toEqual({ line: 100, reason: 'not valid JSON' });
      expect(summary.refusalsNotListed).toBe(50);
    });

    it('does not announce imported messages on chat.message.created', async () => {
      const room = uniqueRoom('import-quiet');
      const subscriber = new Valkey(valkeyUrl(DB));
      const heard: string[] = [];
      subscriber.on('message', (_channel: string, body: string) => {
        const { data } = JSON.parse(body) as { data: { room: string; text: string } };
        if (data.room === room) heard.push(data.text);
      });
      await subscriber.subscribe('chat.message.created');

      try {
        await importLines([{ room, user: 'a', text: 'imported' }]);
        const posted = await app.inject({
          method: 'POST',
          url: '/api/v1/message',
          payload: { room, user: 'a', text: 'posted' },
        });
        expect(posted.statusCode).toBe(201);
        await waitFor(() => heard.length > 0, 'the posted message announced');
        expect(heard).toEqual(['posted']);
      } finally {
        subscriber.disconnect();
      }
    });

    it('answers 415 to anything but NDJSON', async () => {
      const response = await post('{"room":"r","user":"u","text":"t"}', 'application/json');
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    });

    it('takes bodies above BODY_LIMIT_BYTES, up to its own limit', async () => {
      const body = `${'x'.repeat(99)}\n`.repeat(15_000);
      expect(body.length).toBeGreaterThan(1_048_576);

      const response = await post(body);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ lines: 15_000, imported: 0, refused: 15_000 });
    });

    it('answers an empty body with zero lines', async () => {
      const response = await post('');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ lines: 0, imported: 0, refused: 0 });
    });
  });

  describe('with IMPORT_BODY_LIMIT_BYTES', () => {
    it('answers 413 above the import limit', async () => {
      const small = await startTestApp({
        VALKEY_URL: valkeyUrl(DB),
        TRIGGERS_ENABLED: 'false',
        IMPORT_BODY_LIMIT_BYTES: '2048',
      });
      try {
        const line = JSON.stringify({ room: uniqueRoom(), user: 'u', text: 'x'.repeat(100) });
        const response = await small.inject({
          method: 'POST',
          url: '/api/v1/import',
          headers: { 'content-type': 'application/x-ndjson' },
          payload: `${line}\n`.repeat(30),
        });
        expect(response.statusCode).toBe(413);
        expect(response.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      } finally {
        await small.close();
      }
    });
  });

  describe('when Valkey is down', () => {
    it('answers 503 saying from which line on the import may be partly stored', async () => {
      const server = await PrivateValkey.create({ persistent: false });
      if (!server) throw new Error('no valkey-server or redis-server installed');
      const offline = await startTestApp({ VALKEY_URL: server.url, TRIGGERS_ENABLED: 'false' });
      try {
        await server.stop();
        const line = JSON.stringify({ room: uniqueRoom(), user: 'u', text: 'x' });
        const response = await offline.inject({
          method: 'POST',
          url: '/api/v1/import',
          headers: { 'content-type': 'application/x-ndjson' },
          payload: `not json\n${line}\n`,
        });

        expect(response.statusCode).toBe(503);
        expect(response.json().message).toMatch(/0 messages were imported, lines from 2 on/);
      } finally {
        await offline.close();
        await server.dispose();
      }
    });
  });

  describe('the IRC sample through the import client', () => {
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'valkey-chat-import-'));
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('accounts for every line and stores every text byte for byte', async () => {
      // Rooms get a prefix of this run, so runs never meet; texts stay as they are.
      const prefix = uniqueRoom('s');
      const files = readdirSync(SAMPLES).filter((file) => file.endsWith('.jsonl'));
      expect(files.length).toBeGreaterThanOrEqual(6);
      const inputs = new Map<string, ReturnType<typeof readInputLines>>();
      for (const file of files) {
        const lines = readInputLines(join(SAMPLES, file));
        for (const line of lines) line.room = `${prefix}${line.room}`;
        writeFileSync(join(dir, file), lines.map((line) => JSON.stringify(line)).join('\n'));
        for (const line of lines) {
          const room = inputs.get(line.room) ?? [];
          room.push(line);
          inputs.set(line.room, room);
        }
      }

      await app.listen(0, '127.0.0.1');
      const client = new ImportClient(await app.getUrl(), {
        maxBytes: 256 * 1024,
        maxLines: 1500,
        listedRefusals: 20,
      });
      for (const file of files) await client.importFile(join(dir, file));

      const lineCount = files
        .map((file) => readFileSync(join(SAMPLES, file), 'utf8').split('\n').length - 1)
        .reduce((a, b) => a + b, 0);
      expect(client.totals).toMatchObject({ lines: lineCount, imported: lineCount, refused: 0 });
      for (const [room, input] of inputs) {
        expect([room, client.totals.rooms.get(room)]).toEqual([room, input.length]);
        const stored = await readRoomStream(valkey, room);
        expect(stored).toHaveLength(input.length);
        stored.forEach((entry, i) => {
          const expected = input[i];
          expect(Buffer.from(entry.text).equals(Buffer.from(expected.text))).toBe(true);
          expect(entry.user).toBe(expected.user);
          if (expected.ts) expect(idMs(entry.id)).toBe(Date.parse(expected.ts));
        });
      }
    });
  });
});
