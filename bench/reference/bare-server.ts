/**
 * The reference the service is measured against: a bare Fastify server, no Nest, doing per
 * request the same Valkey commands through iovalkey as the service (SADD, XADD and PUBLISH of
 * the event to store a message; XREVRANGE to read a page), with the same answers. Validation is
 * Fastify's JSON schema with the same bounds. Run as its own process by the benchmarks.
 */
import Fastify from 'fastify';
import { Valkey } from 'iovalkey';

import { roomKeys, ROOMS_KEY } from '../../src/valkey/room-keys';

const valkey = new Valkey(process.env.VALKEY_URL ?? 'redis://127.0.0.1:6379');
const app = Fastify({ bodyLimit: 1_048_576 });

const roomSchema = { type: 'string', pattern: '^[\\p{L}\\p{N}#&+._-]{1,64}$' };

function toMessage(room: string, id: string, user: string, text: string) {
  const ms = Number(id.slice(0, id.indexOf('-')));
  return { id, room, user, text, ts: new Date(ms).toISOString() };
}

app.get('/health', async () => ({ status: 'ok' }));

app.post<{ Body: { room: string; user: string; text: string } }>(
  '/api/v1/message',
  {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['room', 'user', 'text'],
        properties: {
          room: roomSchema,
          user: { type: 'string', minLength: 1, maxLength: 64, pattern: '^(?!\\s*$)[^\\p{Cc}]+$' },
          text: { type: 'string', minLength: 1, maxLength: 4000 },
        },
      },
    },
  },
  async (request, reply) => {
    const { room, user, text } = request.body;
    await valkey.sadd(ROOMS_KEY, room);
    const id = (await valkey.xadd(roomKeys(room).messages, '*', 'u', user, 't', text)) as string;
    const message = toMessage(room, id, user, text);
    const pattern = 'chat.message.created';
    await valkey.publish(pattern, JSON.stringify({ pattern, data: message }));
    reply.code(201);
    return message;
  },
);

app.get<{ Querystring: { room: string; limit?: number } }>(
  '/api/v1/messages',
  {
    schema: {
      querystring: {
        type: 'object',
        required: ['room'],
        properties: { room: roomSchema, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
      },
    },
  },
  async (request) => {
    const { room, limit = 100 } = request.query;
    const entries = (await valkey.xrevrange(
      roomKeys(room).messages,
      '+',
      '-',
      'COUNT',
      limit + 1,
    )) as [string, string[]][];
    const messages = entries
      .slice(0, limit)
      .map(([id, fields]) => toMessage(room, id, fields[1], fields[3]));
    const hasMore = entries.length > limit;
    return { room, messages, hasMore, nextBefore: hasMore ? messages.at(-1)?.id : undefined };
  },
);

app
  .listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
  .catch((error: unknown) => {
    process.stderr.write(`bare server failed: ${String(error)}\n`);
    process.exit(1);
  });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => valkey.quit().finally(() => process.exit(0)));
  });
}
