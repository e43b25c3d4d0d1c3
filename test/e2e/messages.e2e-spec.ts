import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { startTestApp, uniqueRoom } from '../support/test-app';

describe('Messages API', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  async function post(body: unknown) {
    return app.inject({ method: 'POST', url: '/api/v1/message', payload: body as object });
  }

  describe('POST /api/v1/message', () => {
    it('stores a message and answers 201 with id and ts', async () => {
      const room = uniqueRoom('general');
      const before = Date.now();
      const response = await post({ room, user: 'alice', text: 'Hello World!' });

      expect(response.statusCode).toBe(201);
      const message = response.json();
      expect(message).toMatchObject({ room, user: 'alice', text: 'Hello World!' });
      expect(message.id).toMatch(/^\d+-\d+$/);
      expect(message.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(message.ts)).toBeGreaterThanOrEqual(before);
    });
  });
});
