import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Valkey } from 'iovalkey';

import { startTestApp, uniqueRoom, valkeyUrl } from '../support/test-app';
import { waitFor } from '../support/wait-for';

describe('chat.message.created', () => {
  let app: NestFastifyApplication;
  let subscriber: Valkey;
  const received: { channel: string; body: string }[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    subscriber = new Valkey(valkeyUrl());
    subscriber.on('message', (channel: string, body: string) => received.push({ channel, body }));
    await subscriber.subscribe('chat.message.created');
  });

  afterAll(async () => {
    subscriber.disconnect();
    await app.close();
  });

  it('announces each stored message in the Nest Redis-transport wire format', async () => {
    const room = uniqueRoom('events');
    const stored = [];
    for (const text of ['first', 'second 👋']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/message',
        payload: { room, user: 'bob', text },
      });
      stored.push(response.json());
    }

    const mine = () => received.filter((event) => event.body.includes(room));
    await waitFor(() => mine().length === 2, 'two events for the room');

    const events = mine().map((event) => ({ channel: event.channel, ...JSON.parse(event.body) }));
    expect(events).toEqual(
      stored.map((message) => ({
        channel: 'chat.message.created',
        pattern: 'chat.message.created',
        data: message,
      })),
    );
  });
});
