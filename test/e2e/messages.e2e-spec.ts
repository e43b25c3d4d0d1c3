import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { startTestApp, uniqueRoom } from '../support/test-app';

interface MessageBody {
  id: string;
  room: string;
  user: string;
  text: string;
  ts: string;
}

describe('Messages API', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  function post(payload: unknown, headers: Record<string, string> = {}) {
    return app.inject({
      method: 'POST',
      url: '/api/v1/message',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  }

  async function postOk(room: string, text: string): Promise<MessageBody> {
    const response = await post({ room, user: 'alice', text });
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  function page(room: string, query = '') {
    return app.inject({ url: `/api/v1/messages?room=${encodeURIComponent(room)}${query}` });
  }

  describe('POST /api/v1/message', () => {
    it('stores a message and answers 201 with id and ts', async () => {
      const room = uniqueRoom('general');
      const before = Date.now();
      const message = await postOk(room, 'Hello World!');

      expect(message).toMatchObject({ room, user: 'alice', text: 'Hello World!' });
      expect(message.id).toMatch(/^\d+-\d+$/);
      expect(message.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(message.ts)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(message.ts)).toBe(Number(message.id.split('-')[0]));
    });

    it('accepts real channel names and keeps text byte for byte', async () => {
      const text = 'tab\there\nnew line 👍🏽 مرحبا שלום ｆｕｌｌ é';
      const message = await postOk('#ubuntu', text);
      expect(message.room).toBe('#ubuntu');

      const newest = (await page('#ubuntu', '&limit=1')).json();
      expect(newest.messages[0]).toEqual(message);
    });

    it.each([
      ['missing room', { user: 'a', text: 'x' }, 'room'],
      ['empty text', { room: 'r', user: 'a', text: '' }, 'text'],
      ['text over the limit', { room: 'r', user: 'a', text: 'x'.repeat(4001) }, 'text'],
      ['an unknown field', { room: 'r', user: 'a', text: 'x', admin: true }, 'admin'],
      ['a number as text', { room: 'r', user: 'a', text: 42 }, 'text'],
      ['an array as room', { room: ['r'], user: 'a', text: 'x' }, 'room'],
      ['an empty user', { room: 'r', user: '', text: 'x' }, 'user'],
      ['a whitespace user', { room: 'r', user: '   ', text: 'x' }, 'user'],
      ['a room climbing out', { room: '../x', user: 'a', text: 'x' }, 'room'],
      ['a room with a slash', { room: 'a/b', user: 'a', text: 'x' }, 'room'],
      ['an encoded dot-dot room', { room: '%2e%2e', user: 'a', text: 'x' }, 'room'],
      ['a dot-dot room', { room: '..', user: 'a', text: 'x' }, 'room'],
      ['an empty room', { room: '', user: 'a', text: 'x' }, 'room'],
      ['a whitespace room', { room: '  ', user: 'a', text: 'x' }, 'room'],
      ['a room with a control character', { room: 'a\u0007b', user: 'a', text: 'x' }, 'room'],
      ['a room over 64 characters', { room: 'r'.repeat(65), user: 'a', text: 'x' }, 'room'],
    ])('rejects %s with a 400 naming the field', async (_case, body, field) => {
      const response = await post(body);

      expect(response.statusCode).toBe(400);
      const error = response.json();
      expect(error).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
      expect(error.message).toContain(field);
    });

    it('rejects malformed JSON with the common error shape', async () => {
      const response = await post('{"room":');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(response.json().message).toMatch(/JSON/);
    });

    it('rejects an oversized body with 413', async () => {
      const response = await post({ room: 'r', user: 'a', text: 'x'.repeat(2 * 1024 * 1024) });
      expect(response.statusCode).toBe(413);
      expect(response.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });
  });

  describe('GET /api/v1/messages', () => {
    it('pages 150 messages newest first: 100, then the remaining 50', async () => {
      const room = uniqueRoom('paging');
      const posted: MessageBody[] = [];
      for (let i = 0; i < 125; i++) posted.push(await postOk(room, `message ${i}`));
      const burst = await Promise.all(
        Array.from({ length: 25 }, (_, i) => postOk(room, `burst ${i}`)),
      );
      posted.push(...burst);

      const first = (await page(room)).json();
      expect(first.messages).toHaveLength(100);
      expect(first.hasMore).toBe(true);

      const second = (await page(room, `&before=${first.nextBefore}`)).json();
      expect(second.messages).toHaveLength(50);
      expect(second.hasMore).toBe(false);
      expect(second.nextBefore).toBeUndefined();

      const seen = [...first.messages, ...second.messages].map((m: MessageBody) => m.id);
      expect(new Set(seen).size).toBe(150);
      expect(new Set(seen)).toEqual(new Set(posted.map((m) => m.id)));
      expect(seen).toEqual([...seen].sort(compareIdsDescending));

      const sharedMillis = new Set(burst.map((m) => m.ts)).size;
      expect(sharedMillis).toBeLessThan(burst.length);
    });

    it('answers a cursor before the first possible id with an empty page', async () => {
      const room = uniqueRoom('first-id');
      await postOk(room, 'only');
      const response = await page(room, '&before=0-0');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ messages: [], hasMore: false });
    });

    it('refuses a body nested too deep, quickly and with a 400', async () => {
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      const response = await post(`{"room":${deep},"user":"a","text":"t"}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(/nested deeper/);
    });

    it('refuses a body with thousands of unknown fields without listing them', async () => {
      const extra = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, 1]));
      const response = await post({ room: 'r', user: 'a', text: 't', ...extra });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(/more than 64 properties/);
    });

    it('answers an unknown room with an empty page', async () => {
      const response = await page(uniqueRoom('empty'));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ messages: [], hasMore: false });
    });

    it.each([
      ['a limit of 0', '&limit=0', 'limit'],
      ['a limit over 1000', '&limit=1001', 'limit'],
      ['a limit that is not a number', '&limit=ten', 'limit'],
      ['a malformed cursor', '&before=yesterday', 'before'],
      ['a cursor beyond the id space', '&before=1-99999999999999999999', 'before'],
      ['an unknown parameter', '&sort=asc', 'sort'],
    ])('rejects %s with a 400', async (_case, query, field) => {
      const response = await page('r', query);
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toContain(field);
    });

    it('rejects a hostile room in the query', async () => {
      const response = await app.inject({ url: '/api/v1/messages?room=..%2Fx' });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toContain('room');
    });
  });

  it('sends security headers', async () => {
    const response = await app.inject({ url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });
});

function compareIdsDescending(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am > bm ? -1 : 1;
  return as === bs ? 0 : as > bs ? -1 : 1;
}
