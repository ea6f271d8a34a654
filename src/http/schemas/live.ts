// The live routes' queries (the SSE stream, long-poll and the WebSocket control channel) and the
// long-poll answer. Filters are plain comma-separated strings here; live/filter.ts parses them.
import { Type } from 'typebox';
import { LIVE_EVENT_TYPES } from '../../live/event-log.js';
import { StringEnum } from './common.js';

export const DEFAULT_POLL_TIMEOUT_MS = 25_000;

const filters = {
  devices: Type.Optional(Type.String({ maxLength: 8192, description: 'Comma-separated device ids; all devices when absent.' })),
  metrics: Type.Optional(Type.String({ maxLength: 8192, description: 'Comma-separated metric names; reading events keep only these.' })),
  types: Type.Optional(Type.String({ maxLength: 200, description: `Comma-separated event types among ${LIVE_EVENT_TYPES.join(', ')}.` })),
};

/** Browsers cannot set headers on an EventSource or a WebSocket, so the token may come in the query. */
const token = Type.Optional(Type.String({ description: 'API token, for clients that cannot set the Authorization header.' }));

export const EventStream = Type.String({ description: 'text/event-stream' });

export const StreamQuery = Type.Object({
  ...filters,
  lastEventId: Type.Optional(Type.String({ maxLength: 32, description: 'For clients that cannot set the Last-Event-ID header.' })),
  token,
});

export const PollQuery = Type.Object({
  ...filters,
  since: Type.Optional(Type.String({ maxLength: 32, description: 'The lastId of the previous answer; without it, only new events.' })),
  timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, default: DEFAULT_POLL_TIMEOUT_MS })),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: "Most events in the answer; at most, and by default, the hub's HUB_LIVE_CLIENT_QUEUE.",
    }),
  ),
  token,
});

export const PolledEvent = Type.Object({
  id: Type.Integer(),
  type: StringEnum([...LIVE_EVENT_TYPES, 'reset']),
  data: Type.Unknown(),
});

export const PollAnswer = Type.Object({
  events: Type.Array(PolledEvent),
  lastId: Type.Integer({ description: 'Where to continue from: the `since` of the next poll.' }),
  more: Type.Boolean({ description: 'The answer stopped at its limit with events left: poll again at once.' }),
});

export const ControlQuery = Type.Object({ token });
