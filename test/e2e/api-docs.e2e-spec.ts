import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { startTestApp } from '../support/test-app';

describe('API documentation', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves Swagger UI whose scripts and styles load', async () => {
    const page = await app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);

    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      const url = new URL(asset, 'http://localhost/docs').pathname;
      const response = await app.inject({ url });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
    }
  });

  it('serves an OpenAPI 3 document with schemas for every route', async () => {
    const response = await app.inject({ url: '/docs-json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();

    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/message', '/api/v1/messages', '/health', '/health/ready']),
    );
    const post = document.paths['/api/v1/message'].post;
    expect(post.requestBody.content['application/json'].schema.$ref).toMatch(/CreateMessageDto/);
    expect(post.responses['201'].content['application/json'].schema.$ref).toMatch(/MessageDto/);
    expect(post.responses['400'].content['application/json'].schema.$ref).toMatch(/ErrorResponse/);
    expect(document.components.schemas.CreateMessageDto.required).toEqual(
      expect.arrayContaining(['room', 'user', 'text']),
    );
  });

  it('matches the committed docs/openapi.json (run `npm run openapi` after an API change)', async () => {
    const live = (await app.inject({ url: '/docs-json' })).json();
    const committed = JSON.parse(readFileSync(join(__dirname, '../../docs/openapi.json'), 'utf8'));
    expect(live).toEqual(committed);
  });
});
