// GET /api/poll: the long-poll fallback for networks that break streaming. Answers at once with
// the events after `since` that pass the filters, or waits up to `timeout` for the next ones.
// `lastId` is where the client continues from, also when the filters skipped everything.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { HttpError } from '../http/errors.js';
import { ErrorSchema } from '../http/schemas/common.js';
import { DEFAULT_POLL_TIMEOUT_MS, PollAnswer, PollQuery } from '../http/schemas/live.js';
import type { LiveEvent } from './event-log.js';
import { parseFilter, select, type LiveFilter } from './filter.js';
import type { LiveService } from './live-service.js';
import { checked, parseEventId } from './sse-route.js';

export interface PollRouteDeps {
  live: LiveService;
}

type Answer = Static<typeof PollAnswer>;

const MAX_EVENTS_PER_ANSWER = 5000;

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
        summary: 'Long-poll: events after `since`, waiting up to `timeout` ms for new ones',
        querystring: PollQuery,
        response: { 200: PollAnswer, 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const { filter, since } = checked(live, '/api/poll', request, () => ({
        filter: parseFilter(query),
        since: parseEventId(query.since) ?? live.events.lastId,
      }));
      const timeout = query.timeout ?? DEFAULT_POLL_TIMEOUT_MS;
      const ready = collect(live, filter, since);
      if (ready.events.length > 0 || timeout === 0) return ready;
      return new Promise<Answer>((resolve, reject) => {
        let lastId = ready.lastId;
        let revoked: string | null = null;
        const finish = () => {
          clearTimeout(timer);
          unsubscribe();
          waiting.delete(finish);
          release();
          if (revoked === null) resolve({ events: [], lastId });
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
          setImmediate(() => resolve(collect(live, filter, since)));
        });
        waiting.add(finish);
        // The client went away (or the answer went out): stop waiting either way.
        reply.raw.on('close', finish);
      });
    },
  );
};

/** Events after `since` under the filter; a reset leads when `since` is older than the history. */
function collect(live: LiveService, filter: LiveFilter, since: number): Answer {
  const resume = live.events.since(since);
  const events: Answer['events'] = [];
  if ('reset' in resume) events.push({ id: resume.reset.oldestId - 1, type: 'reset', data: resume.reset });
  let lastId = 'reset' in resume ? resume.reset.oldestId - 1 : since;
  for (const event of resume.events as LiveEvent[]) {
    if (events.length >= MAX_EVENTS_PER_ANSWER) break;
    lastId = event.id;
    const data = select(filter, event);
    if (data !== null) events.push({ id: event.id, type: event.type, data });
  }
  return { events, lastId };
}
