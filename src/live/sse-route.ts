// GET /api/stream: the live Server-Sent Events stream. Filters and the resume id are checked
// here at the edge, then the stream takes a connection slot (429 when a cap is full); after that
// the reply is handed to the live service, which writes the frames and frees the slot on close.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../http/errors.js';
import { ErrorSchema } from '../http/schemas/common.js';
import { EventStream, StreamQuery } from '../http/schemas/live.js';
import { parseFilter } from './filter.js';
import type { LiveService } from './live-service.js';

export interface SseRouteDeps {
  live: LiveService;
}

export const sseRoutes: FastifyPluginAsyncTypebox<SseRouteDeps> = async (app, { live }) => {
  app.addHook('preClose', async () => live.closeAll());

  app.get(
    '/api/stream',
    {
      config: { role: 'viewer' },
      attachValidation: true,
      schema: {
        summary: 'Live events as Server-Sent Events (reading, presence, command, device, refusal; reset on a resume gap)',
        description:
          'Resume with the Last-Event-ID header or the lastEventId query parameter. Every event has a numeric id increasing per hub. ' +
          'Streams and long-polls count against caps per token and in total; past one the answer is 429 too_many_connections.',
        querystring: StreamQuery,
        response: { 200: EventStream, 400: ErrorSchema, 429: ErrorSchema },
        produces: ['text/event-stream'],
      },
    },
    (request, reply) => {
      const { query } = request;
      const { filter, lastEventId } = checked(live, '/api/stream', request, () => ({
        filter: parseFilter(query),
        lastEventId: parseEventId(headerValue(request.headers['last-event-id']) ?? query.lastEventId),
      }));
      const slot = live.admit('/api/stream', request.principal?.tokenId ?? null, request.ip);
      reply.hijack();
      const http2 = request.raw.httpVersionMajor >= 2;
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        // no-transform keeps compressing proxies from holding events back; X-Accel-Buffering: no
        // does the same for nginx.
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        // Connection headers are forbidden in HTTP/2, where streams are long-lived anyway.
        ...(http2 ? {} : { connection: 'keep-alive' }),
      });
      const client = live.open(reply.raw, filter, lastEventId, request.ip, slot);
      // A revoked or expired token ends the stream (http/auth.ts); the reconnect then meets 401.
      const release = request.closeOnRevoke(() => client.end());
      reply.raw.on('close', release);
      if (client.isClosed) release();
    },
  );
};

/**
 * Runs the edge checks of a live route, the JSON schema's included (the routes attach its
 * verdict instead of letting fastify answer alone); a refusal is counted and logged, then
 * answered 400.
 */
export function checked<T>(live: LiveService, route: string, request: Pick<FastifyRequest, 'ip' | 'validationError'>, parse: () => T): T {
  try {
    if (request.validationError) throw badRequest(request.validationError.message);
    return parse();
  } catch (err) {
    live.refused(route, request.ip, (err as Error).message);
    throw err;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Event ids are integers this hub handed out; anything else is the client's mistake. */
export function parseEventId(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  if (!/^\d{1,16}$/.test(raw.trim())) throw badRequest(`event id must be a non-negative integer, got "${raw.slice(0, 40)}"`);
  return Number(raw.trim());
}
