// Historical readings: raw pages (with a cursor) or aggregated windows, as JSON or CSV. A query
// the store refuses (a forged cursor, too many windows) throws through to the error handler,
// which answers 400.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { DeviceRegistry } from '../../core/devices.js';
import { checkMetricName } from '../../core/model.js';
import type { Reading } from '../../core/model.js';
import type { AggregatePoint, AggregateQuery, Aggregation, RawQuery, Store } from '../../core/store.js';
import { badRequest, errorSchema, notFound } from '../errors.js';
import { parseEvery, parseInstant } from '../time-params.js';

export interface ReadingRouteDeps {
  devices: DeviceRegistry;
  store: Pick<Store, 'queryRaw' | 'queryAggregate'>;
  clock?: () => number;
}

const DEFAULT_SPAN_MS = 3_600_000;
const MAX_LIMIT = 10_000;
const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metric: { type: 'string', maxLength: 64 },
    from: { type: 'string', description: 'ISO-8601 or Unix ms; default: one hour before `to`' },
    to: { type: 'string', description: 'ISO-8601 or Unix ms, exclusive; default: now' },
    every: { type: 'string', description: 'Window size 1s..1d (30s, 5m, 1h, 1d); with it the answer is aggregated' },
    agg: { type: 'string', enum: AGGREGATIONS, default: 'avg' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 1000 },
    cursor: { type: 'string', maxLength: 512 },
  },
} as const;

interface ReadingsQuery {
  metric?: string;
  from?: string;
  to?: string;
  every?: string;
  agg: Aggregation;
  limit: number;
  cursor?: string;
}

type Parsed = { kind: 'raw'; query: RawQuery } | { kind: 'agg'; query: AggregateQuery };

export const readingRoutes: FastifyPluginAsync<ReadingRouteDeps> = async (app, deps) => {
  const parse = (id: string, q: ReadingsQuery): Parsed => {
    if (!deps.devices.get(id)) throw notFound(`no device ${id}`);
    if (q.metric !== undefined && checkMetricName(q.metric)) throw badRequest(`metric: ${checkMetricName(q.metric)}`);
    const to = parseInstant(q.to, 'to', (deps.clock ?? Date.now)());
    const from = parseInstant(q.from, 'from', to - DEFAULT_SPAN_MS);
    if (from >= to) throw badRequest('from must be before to');
    if (q.every !== undefined) {
      if (q.cursor !== undefined) throw badRequest('cursor applies to raw readings only, not with every');
      return { kind: 'agg', query: { deviceId: id, metric: q.metric, from, to, everyMs: parseEvery(q.every), agg: q.agg } };
    }
    return { kind: 'raw', query: { deviceId: id, metric: q.metric, from, to, limit: q.limit, cursor: q.cursor } };
  };

  const params = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;

  app.get('/api/devices/:id/readings', {
    schema: {
      summary: 'Readings of a device: raw (paged) or aggregated with every/agg',
      params,
      querystring: querySchema,
      response: { 400: errorSchema, 404: errorSchema },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const parsed = parse(id, request.query as ReadingsQuery);
    const { from, to, metric } = parsed.query;
    const window = { deviceId: id, metric: metric ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    if (parsed.kind === 'agg') {
      const points = await deps.store.queryAggregate(parsed.query);
      return { ...window, every: parsed.query.everyMs, agg: parsed.query.agg, points };
    }
    const page = await deps.store.queryRaw(parsed.query);
    return {
      ...window,
      readings: page.readings.map((r) => ({ metric: r.metric, ts: r.ts, value: r.value })),
      nextCursor: page.nextCursor ?? null,
    };
  });

  app.get('/api/devices/:id/readings.csv', {
    schema: {
      summary: 'The same readings as CSV; raw CSV pages through the whole range',
      params,
      querystring: querySchema,
      produces: ['text/csv'],
      response: { 400: errorSchema, 404: errorSchema },
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const parsed = parse(id, request.query as ReadingsQuery);
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="${id}-readings.csv"`);
    if (parsed.kind === 'agg') {
      const points = await deps.store.queryAggregate(parsed.query);
      return reply.send(`time,ts,metric,${parsed.query.agg},count\n${points.map(pointRow).join('')}`);
    }
    // Validate the first page before the 200 goes out; later pages stream.
    const first = await deps.store.queryRaw({ ...parsed.query, limit: MAX_LIMIT });
    async function* rows(): AsyncGenerator<string> {
      yield 'time,ts,metric,value\n';
      let page = first;
      for (;;) {
        yield page.readings.map(readingRow).join('');
        if (!page.nextCursor) return;
        page = await deps.store.queryRaw({ ...parsed.query, limit: MAX_LIMIT, cursor: page.nextCursor });
      }
    }
    return reply.send(Readable.from(rows()));
  });
};

const csvText = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const readingRow = (r: Reading) => `${new Date(r.ts).toISOString()},${r.ts},${csvText(r.metric)},${r.value}\n`;
const pointRow = (p: AggregatePoint) => `${new Date(p.ts).toISOString()},${p.ts},${csvText(p.metric)},${p.value},${p.count}\n`;
