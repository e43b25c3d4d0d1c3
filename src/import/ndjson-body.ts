import type { FastifyInstance } from 'fastify';

export const NDJSON = 'application/x-ndjson';

/**
 * Lets Fastify take NDJSON bodies as text, up to their own limit: an import carries thousands
 * of lines, far more than the body limit of the other routes.
 */
export function acceptNdjsonBodies(fastify: FastifyInstance, bodyLimit: number): void {
  if (fastify.hasContentTypeParser(NDJSON)) return;
  fastify.addContentTypeParser(NDJSON, { parseAs: 'string', bodyLimit }, (_request, body, done) =>
    done(null, body),
  );
}
