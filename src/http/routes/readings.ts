// Historical readings: raw pages (with a cursor) or aggregated windows, as JSON or CSV. A query
// the store refuses (a forged cursor, too many windows) throws through to the error handler,
// which answers 400.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import type { DeviceRegistry } from '../../core/devices.js';
import { checkMetricName } from '../../core/model.js';
import type { Reading } from '../../core/model.js';
import type { AggregatePoint, AggregateQuery, RawQuery, Store } from '../../core/store.js';
import { badRequest, notFound } from '../errors.js';
import { DeviceIdParams, ErrorSchema } from '../schemas/common.js';
import { DEFAULT_AGGREGATION, DEFAULT_LIMIT, MAX_LIMIT, Readings, ReadingsCsv, ReadingsQuery } from '../schemas/readings.js';
import { calendarBoundaries, type CalendarUnit } from '../../core/calendar.js';
import { calendarUnitOf, parseEvery, parseInstant, parseTimeZone } from '../time-params.js';

export interface ReadingRouteDeps {
  devices: DeviceRegistry;
  store: Pick<Store, 'queryRaw' | 'queryAggregate'>;
  /** Most samples one aggregate may unpack one by one (HUB_QUERY_MAX_SAMPLES). */
  maxSamples?: number;
  clock?: () => number;
}

const DEFAULT_SPAN_MS = 3_600_000;

type Parsed = { kind: 'raw'; query: RawQuery } | { kind: 'agg'; query: AggregateQuery; tz: string | undefined };

/** What `every` reports for a UTC day; weeks and months are reported by their unit. */
const NOMINAL_MS: Record<CalendarUnit, number> = { d: 86_400_000, w: 604_800_000, mo: 2_629_746_000 };
/** The store's own bound on windows per answer (storage/windows.ts MAX_WINDOWS), checked before boundaries are built. */
const MAX_WINDOWS = 100_000;

export const readingRoutes: FastifyPluginAsyncTypebox<ReadingRouteDeps> = async (app, deps) => {
  const parse = (id: string, q: Static<typeof ReadingsQuery>): Parsed => {
    if (!deps.devices.get(id)) throw notFound(`no device ${id}`);
    if (q.metric !== undefined && checkMetricName(q.metric)) throw badRequest(`metric: ${checkMetricName(q.metric)}`);
    const to = parseInstant(q.to, 'to', (deps.clock ?? Date.now)());
    const from = parseInstant(q.from, 'from', Math.max(0, to - DEFAULT_SPAN_MS));
    if (from >= to) throw badRequest('from must be before to');
    if (q.every !== undefined) {
      if (q.cursor !== undefined) throw badRequest('cursor applies to raw readings only, not with every');
      const unit = calendarUnitOf(q.every);
      if (q.tz !== undefined && unit === null) throw badRequest('tz applies to calendar windows only: every=1d, 1w or 1mo');
      const tz = parseTimeZone(q.tz);
      // A UTC day is also a fixed 24 hours from the epoch: that path folds hours in the database.
      const calendar = unit !== null && !(unit === 'd' && tz === 'UTC');
      return {
        kind: 'agg',
        tz: calendar ? tz : undefined,
        query: {
          deviceId: id,
          metric: q.metric,
          from,
          to,
          everyMs: unit === null ? parseEvery(q.every) : NOMINAL_MS[unit],
          ...(calendar && { boundaries: calendarBoundaries(from, to, unit, tz, MAX_WINDOWS) }),
          agg: q.agg ?? DEFAULT_AGGREGATION,
          ...(deps.maxSamples !== undefined && { maxSamples: deps.maxSamples }),
        },
      };
    }
    return { kind: 'raw', query: { deviceId: id, metric: q.metric, from, to, limit: q.limit ?? DEFAULT_LIMIT, cursor: q.cursor } };
  };

  app.get(
    '/api/devices/:id/readings',
    {
      schema: {
        summary: 'Readings of a device: raw (paged) or aggregated with every/agg',
        params: DeviceIdParams,
        querystring: ReadingsQuery,
        response: { 200: Readings, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const parsed = parse(id, request.query);
      const { from, to, metric } = parsed.query;
      const window = { deviceId: id, metric: metric ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      if (parsed.kind === 'agg') {
        const points = await deps.store.queryAggregate(parsed.query);
        const every = parsed.tz === undefined ? parsed.query.everyMs : request.query.every!;
        return { ...window, every, ...(parsed.tz !== undefined && { tz: parsed.tz }), agg: parsed.query.agg, points };
      }
      const page = await deps.store.queryRaw(parsed.query);
      return {
        ...window,
        readings: page.readings.map((r) => ({ metric: r.metric, ts: r.ts, value: r.value })),
        nextCursor: page.nextCursor ?? null,
      };
    },
  );

  app.get(
    '/api/devices/:id/readings.csv',
    {
      schema: {
        summary: 'The same readings as CSV; raw CSV pages through the whole range',
        params: DeviceIdParams,
        querystring: ReadingsQuery,
        produces: ['text/csv'],
        response: { 200: ReadingsCsv, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const parsed = parse(id, request.query);
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
    },
  );
};

const csvText = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const readingRow = (r: Reading) => `${new Date(r.ts).toISOString()},${r.ts},${csvText(r.metric)},${r.value}\n`;
const pointRow = (p: AggregatePoint) => `${new Date(p.ts).toISOString()},${p.ts},${csvText(p.metric)},${p.value},${p.count}\n`;
