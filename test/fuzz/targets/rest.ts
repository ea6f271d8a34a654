// The query of GET /api/devices/:id/readings (src/http/schemas/readings.ts, routes/readings.ts,
// time-params.ts), two ways. `rest-params`: the query schema compiled with fastify's own ajv
// options, then the route's parse steps (metric, to, from, every, cursor) in its order, calling
// the real parseInstant, parseEvery and checkMetricName; fast enough for a million inputs.
// `rest-inject`: the same queries through fastify's inject on a real hub (SQLite store, auth
// off) holding a few readings, JSON and CSV; every answer must be 200, or 400/404 with
// {error, message}, never a 500.
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { checkMetricName } from '../../../src/core/model.js';
import { HttpError } from '../../../src/http/errors.js';
import { AGGREGATIONS, MAX_LIMIT, ReadingsQuery } from '../../../src/http/schemas/readings.js';
import { MAX_EVERY_MS, MIN_EVERY_MS, calendarUnitOf, parseEvery, parseTimeZone, parseInstant } from '../../../src/http/time-params.js';
import { startHub, type TestHub } from '../../helpers/hub.js';
import type { FuzzTarget, Outcome } from '../harness.js';
import { anyText, metricLike, uintText } from '../tokens.js';

const DEVICE = 'fz-1';
const NOW = Date.now();
const HOUR = 3_600_000;
const MAX_INSTANT_MS = 8.64e15;

const iso = fc.oneof(
  fc.date({ min: new Date(0), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: NOW - 48 * HOUR, max: NOW }).map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z')),
  fc.constantFrom(
    '2026-02-30',
    '2026-02-28',
    '2026-01-31T12:00',
    '2026-01-31T12:00:00+02:00',
    '2026-01-31T12:00:00+0200',
    '2026-13-01',
    '1969-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z',
    'March 5',
    '0000-01-01',
  ),
);
const instant = fc.oneof(
  iso,
  fc.integer({ min: NOW - 48 * HOUR, max: NOW }).map(String),
  uintText,
  fc.constantFrom('-1', '-0', '8640000000000000', '8640000000000001', '99999999999999999999'),
);
const every = fc.oneof(
  fc.tuple(fc.nat({ max: 100_000 }), fc.constantFrom('', 'ms', 's', 'm', 'h', 'd')).map(([n, u]) => `${n}${u}`),
  fc.constantFrom('1s', '999ms', '1d', '25h', '0s', '1.5h', '1w', '1mo', '2w', '', '9'.repeat(30)),
  anyText(6),
);

/** A query as the querystring parser hands it over: each parameter a string, or a list when repeated. */
const mostly = (valid: fc.Arbitrary<string>, other: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: other });
const query = fc.record(
  {
    metric: mostly(fc.constantFrom('temp', 'hum'), metricLike),
    from: instant,
    to: instant,
    every: fc.oneof({ weight: 1, arbitrary: every }, { weight: 2, arbitrary: fc.constant(undefined) }),
    agg: mostly(fc.constantFrom(...AGGREGATIONS), anyText(5)),
    tz: fc.constantFrom(undefined, 'UTC', 'Europe/Amsterdam', 'Asia/Kolkata', 'Mars/Olympus_Mons', ''),
    limit: mostly(fc.integer({ min: 0, max: MAX_LIMIT + 1 }).map(String), uintText),
    cursor: fc.oneof(
      { weight: 1, arbitrary: anyText(20) },
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant('c'.repeat(513)) },
    ),
    other: anyText(5),
  },
  { requiredKeys: [] },
);
const repeated = fc
  .tuple(query, fc.constantFrom('metric', 'from', 'limit'))
  .map(([q, key]) => (q[key] === undefined ? q : { ...q, [key]: [q[key], q[key]] }));
const queries = fc.oneof({ weight: 9, arbitrary: query }, { weight: 1, arbitrary: repeated });

// fastify's default validator options for a querystring.
const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false });
const validate = ajv.compile(ReadingsQuery);

export const restParamsTarget: FuzzTarget<Record<string, unknown>> = {
  name: 'rest-params',
  codes: ['validation', 'bad_request'],
  input: queries,
  feed(raw) {
    const q = structuredClone(raw) as Record<string, any>;
    if (!validate(q)) return [{ refused: 'validation', detail: ajv.errorsText(validate.errors) }];
    try {
      return [accepted(parse(q))];
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      return [{ refused: err.code, detail: err.message }];
    }
  },
};

/** The route's parse, step by step (the device exists). */
function parse(q: Record<string, any>) {
  if (q.metric !== undefined && checkMetricName(q.metric)) throw new HttpError(400, 'bad_request', `metric: ${checkMetricName(q.metric)}`);
  const to = parseInstant(q.to, 'to', NOW);
  const from = parseInstant(q.from, 'from', to - HOUR);
  if (from >= to) throw new HttpError(400, 'bad_request', 'from must be before to');
  if (q.every !== undefined && q.cursor !== undefined)
    throw new HttpError(400, 'bad_request', 'cursor applies to raw readings only, not with every');
  let everyMs: number | undefined;
  if (q.every !== undefined) {
    const unit = calendarUnitOf(q.every);
    if (q.tz !== undefined && unit === null) throw new HttpError(400, 'bad_request', 'tz applies to calendar windows only');
    parseTimeZone(q.tz);
    // A calendar unit: windows of 22 hours to 31 days (days, weeks, months).
    everyMs = unit === null ? parseEvery(q.every) : MIN_EVERY_MS;
  }
  return { from, to, everyMs, limit: q.limit as number, agg: q.agg as string };
}

function accepted({ from, to, everyMs, limit, agg }: ReturnType<typeof parse>): Outcome {
  // A from left out defaults to an hour before to, which may reach before 1970 (to=0): no instant given is out of range.
  for (const t of [from, to]) assert.ok(Number.isInteger(t) && t >= -HOUR && t <= MAX_INSTANT_MS, `instant ${t} in range`);
  assert.ok(from < to);
  assert.ok(everyMs === undefined || (Number.isInteger(everyMs) && everyMs >= MIN_EVERY_MS && everyMs <= MAX_EVERY_MS));
  assert.ok(Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIMIT, `limit ${limit}`);
  assert.ok((AGGREGATIONS as readonly string[]).includes(agg));
  return { accepted: true };
}

let hub: TestHub | null = null;

// light-my-request (fastify's inject) keeps about 10 KB per request on Node 20, with a plain
// handler and no fastify at all, so a run through inject is capped, and allowed that growth.
export const restInjectTarget: FuzzTarget<{ query: Record<string, unknown>; csv: boolean }> = {
  name: 'rest-inject',
  codes: ['bad_request', 'not_found'],
  async: true,
  maxRuns: 20_000,
  ciRuns: 2_000,
  maxHeapGrowthMB: 320,
  input: fc.record({ query: queries, csv: fc.boolean() }),
  async start() {
    hub = await startHub();
    await hub.hub.devices.register({ id: DEVICE, name: 'Fuzzed', transport: 'mqtt', metrics: [{ name: 'temp' }, { name: 'hum' }] });
    const readings = Array.from({ length: 48 }, (_, i) => ({ metric: i % 2 ? 'temp' : 'hum', value: i, ts: NOW - 24 * HOUR + i * HOUR }));
    await hub.hub.ingest.submit({ deviceId: DEVICE, source: 'fuzz', readings }).durable;
  },
  async stop() {
    await hub?.stop();
    hub = null;
  },
  async feed({ query: q, csv }) {
    const query = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>;
    const res = await hub!.hub.http.app.inject({ method: 'GET', url: `/api/devices/${DEVICE}/readings${csv ? '.csv' : ''}`, query });
    if (res.statusCode === 200) return [{ accepted: true }];
    assert.ok([400, 404].includes(res.statusCode), `answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    const body = res.json() as { error: string; message: string };
    return [{ refused: body.error, detail: body.message }];
  },
};
