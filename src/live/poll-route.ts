// GET /api/poll: the long-poll fallback for networks that break streaming. Answers at once with
// the events after `since` that pass the filters, or waits up to `timeout` for the next ones.
// An answer carries at most `limit` events (at most the client queue, as a stream may fall
// behind); `lastId` is where the client continues from, also when the filters skipped everything,
// and `more` says the answer stopped at its limit. A poll holds a live connection slot while open.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { HttpError } from '../http/errors.js';
import { ErrorSchema } from '../http/schemas/common.js';
import { DEFAULT_POLL_TIMEOUT_MS, PollAnswer, PollQuery } from '../http/schemas/live.js';
import { parseFilter, select, type LiveFilter } from './filter.js';
import type { LiveService } from './live-service.js';
import { checked, parseEventId } from './sse-route.js';

export interface PollRouteDeps {
  live: LiveService;
}

type Answer = Static<typeof PollAnswer>;

export const pollRoutes: FastifyPluginAsyncTypebox<PollRouteDeps> = async (app, { live }) => {
  const waiting = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const wake of [...waiting]) wake();
  });

  app.get(
    '/api/poll',
    {
      config: { role: 'viewer' },
      attachValidation: true,
      schema: {
        summary: 'Long-poll: events after `since`, waiting up to `timeout` ms for new ones; at most `limit` per answer',
        description: 'Streams and long-polls count against caps per token and in total; past one the answer is 429 too_many_connections.',
        querystring: PollQuery,
        response: { 200: PollAnswer, 400: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const { filter, since } = checked(live, '/api/poll', request, () => ({
        filter: parseFilter(query),
        since: parseEventId(query.since) ?? live.events.lastId,
      }));
      const limit = Math.min(query.limit ?? live.options.clientQueue, live.options.clientQueue);
      const slot = live.admit('/api/poll', request.principal?.tokenId ?? null, request.ip);
      // Freed when the answer has gone out or the client has gone, whichever comes first; a client
      // that left while the request was in its hooks closed before this listener existed.
      reply.raw.on('close', slot.release);
      if (reply.raw.destroyed) slot.release();
      const timeout = query.timeout ?? DEFAULT_POLL_TIMEOUT_MS;
      const ready = collect(live, filter, since, limit);
      if (ready.events.length > 0 || timeout === 0) return ready;
      return new Promise<Answer>((resolve, reject) => {
        let lastId = ready.lastId;
        let revoked: string | null = null;
        const finish = () => {
          clearTimeout(timer);
          unsubscribe();
          waiting.delete(finish);
          release();
          if (revoked === null) resolve({ events: [], lastId, more: false });
          else reject(new HttpError(401, 'unauthorized', revoked));
        };
        // A revoked or expired token ends the wait with 401 (http/auth.ts).
        const release = request.closeOnRevoke((reason) => {
          revoked = reason;
          finish();
        });
        const timer = setTimeout(finish, timeout);
        const unsubscribe = live.events.subscribe((event) => {
          lastId = event.id;
          const data = select(filter, event);
          if (data === null) return;
          // Answer on the next turn so events emitted together (one flush) travel together.
          unsubscribe();
          clearTimeout(timer);
          waiting.delete(finish);
          release();
          setImmediate(() => resolve(collect(live, filter, since, limit)));
        });
        waiting.add(finish);
        // The client went away (or the answer went out): stop waiting either way.
        reply.raw.on('close', finish);
      });
    },
  );
};

/**
 * At most `limit` events after `since` under the filter, read from the log a page at a time; a
 * reset leads (and counts) when `since` is older than the history.
 */
function collect(live: LiveService, filter: LiveFilter, since: number, limit: number): Answer {
  const events: Answer['events'] = [];
  let lastId = since;
  for (;;) {
    const page = live.events.page(lastId, limit);
    if ('reset' in page) {
      lastId = page.reset.oldestId - 1;
      events.push({ id: lastId, type: 'reset', data: page.reset });
    }
    if (page.events.length === 0) return { events, lastId, more: false };
    for (const event of page.events) {
      if (events.length >= limit) return { events, lastId, more: true };
      lastId = event.id;
      const data = select(filter, event);
      if (data !== null) events.push({ id: event.id, type: event.type, data });
    }
  }
}
