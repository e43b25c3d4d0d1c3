import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { roomKeys } from '../../src/valkey/room-keys';
import { PrivateValkey } from '../support/private-valkey';
import { startTestApp, uniqueRoom } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const server = PrivateValkey.create();

describe('Valkey outage', () => {
  let valkey: PrivateValkey;
  let app: NestFastifyApplication;
  const room = uniqueRoom('outage');
  let accepted = 0;

  beforeAll(async () => {
    const created = await server;
    if (!created) throw new Error('no valkey-server or redis-server installed');
    valkey = created;
    app = await startTestApp({ VALKEY_URL: valkey.url });
  });

  afterAll(async () => {
    await app?.close();
    await valkey?.dispose();
  });

  async function post(text: string) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/message',
      payload: { room, user: 'alice', text },
    });
    if (response.statusCode === 201) accepted++;
    return response;
  }

  async function timed<T>(request: () => Promise<T>): Promise<[T, number]> {
    const started = Date.now();
    const result = await request();
    return [result, Date.now() - started];
  }

  it('answers 503 quickly while Valkey is down and recovers without a restart', async () => {
    for (let i = 0; i < 10; i++) expect((await post(`before ${i}`)).statusCode).toBe(201);

    await valkey.stop();

    const [postResponse, postMs] = await timed(() => post('during'));
    expect(postResponse.statusCode).toBe(503);
    expect(postResponse.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(postResponse.json().message).toMatch(/Valkey/);
    expect(postMs).toBeLessThan(2000);

    const [getResponse, getMs] = await timed(() =>
      app.inject({ url: `/api/v1/messages?room=${room}` }),
    );
    expect(getResponse.statusCode).toBe(503);
    expect(getMs).toBeLessThan(2000);
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);

    await valkey.start();
    await waitFor(
      async () => (await app.inject({ url: '/health/ready' })).statusCode === 200,
      'readiness after Valkey returned',
    );

    for (let i = 0; i < 10; i++) expect((await post(`after ${i}`)).statusCode).toBe(201);

    const direct = new Valkey(valkey.url);
    try {
      expect(await direct.xlen(roomKeys(room).messages)).toBe(accepted);
    } finally {
      direct.disconnect();
    }
  });
});
