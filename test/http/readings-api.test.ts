import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, type TestHub } from '../helpers/hub.js';

const HOUR = 3_600_000;
// Two days ago at 22:00 UTC, so the data crosses a day edge and stays inside the accepted past.
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000 + 22 * HOUR;
let t: TestHub;

before(async () => {
  t = await startHub();
  await t.hub.devices.register({
    id: 'room-1',
    name: 'Room 1',
    transport: 'mqtt',
    metrics: [
      { name: 'temp', unit: '°C' },
      { name: 'hum', unit: '%' },
    ],
  });
  // Four hours of readings every 10 minutes, sent out of order and with repeats.
  const readings = [];
  for (let i = 0; i < 24; i++) {
    readings.push({ metric: 'temp', value: i, ts: T0 + i * 600_000 });
    readings.push({ metric: 'hum', value: 50 + (i % 2), ts: T0 + i * 600_000 });
  }
  readings.reverse();
  await t.hub.ingest.submit({ deviceId: 'room-1', source: 'test', readings }).durable;
  await t.hub.ingest.submit({ deviceId: 'room-1', source: 'test', readings: readings.slice(0, 10) }).durable;
});

after(() => t.stop());

test('GET /api/devices lists the device with its metrics and latest values', async () => {
  const { status, body } = await getJson(`${t.url}/api/devices`);
  assert.equal(status, 200);
  const [device] = body.devices;
  assert.equal(device.id, 'room-1');
  assert.deepEqual(device.metrics, [
    { name: 'temp', unit: '°C' },
    { name: 'hum', unit: '%' },
  ]);
  assert.deepEqual(device.latest.temp, { ts: T0 + 23 * 600_000, value: 23 });
});

test('GET /api/devices/:id answers 404 with the error shape for an unknown device', async () => {
  const { status, body } = await getJson(`${t.url}/api/devices/nope`);
  assert.equal(status, 404);
  assert.deepEqual(body, { error: 'not_found', message: 'no device nope' });
});

test('raw readings page through the range with a cursor, each reading once, in time order', async () => {
  const seen: Array<[number, string]> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `${t.url}/api/devices/room-1/readings?from=${T0}&to=${T0 + 4 * HOUR}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
    const { status, body } = await getJson(url);
    assert.equal(status, 200);
    seen.push(...body.readings.map((r: { ts: number; metric: string }) => [r.ts, r.metric] as [number, string]));
    cursor = body.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  assert.equal(seen.length, 48, 'repeats were stored once');
  assert.equal(pages, 7);
  const sorted = [...seen].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  assert.deepEqual(seen, sorted);
});

test('aggregates over 1h come from bucket summaries and match the raw values', async () => {
  const from = new Date(T0).toISOString();
  const to = new Date(T0 + 4 * HOUR).toISOString();
  const { body } = await getJson(`${t.url}/api/devices/room-1/readings?metric=temp&from=${from}&to=${to}&every=1h&agg=avg`);
  assert.deepEqual(
    body.points.map((p: { value: number; count: number }) => [p.value, p.count]),
    [
      [2.5, 6],
      [8.5, 6],
      [14.5, 6],
      [20.5, 6],
    ],
  );
  const max = await getJson(`${t.url}/api/devices/room-1/readings?metric=temp&from=${T0}&to=${T0 + 4 * HOUR}&every=1d&agg=max`);
  // The day edge falls two hours in: the windows are [.., 00:00) and [00:00, ..).
  assert.deepEqual(
    max.body.points.map((p: { value: number }) => p.value),
    [11, 23],
  );
});

test('a range that starts inside a bucket uses only the samples inside it', async () => {
  const { body } = await getJson(
    `${t.url}/api/devices/room-1/readings?metric=temp&from=${T0 + 30 * 60_000}&to=${T0 + 2 * HOUR}&every=1h&agg=count`,
  );
  assert.deepEqual(
    body.points.map((p: { value: number }) => p.value),
    [3, 6],
  );
});

test('every other aggregation over sub-hour windows', async () => {
  const base = `${t.url}/api/devices/room-1/readings?metric=temp&from=${T0}&to=${T0 + HOUR}&every=30m`;
  const pick = async (agg: string) => (await getJson(`${base}&agg=${agg}`)).body.points.map((p: { value: number }) => p.value);
  assert.deepEqual(await pick('min'), [0, 3]);
  assert.deepEqual(await pick('sum'), [3, 12]);
  assert.deepEqual(await pick('first'), [0, 3]);
  assert.deepEqual(await pick('last'), [2, 5]);
  assert.deepEqual(await pick('count'), [3, 3]);
});

test('CSV export holds every raw reading of the range with a header', async () => {
  const res = await fetch(`${t.url}/api/devices/room-1/readings.csv?metric=hum&from=${T0}&to=${T0 + 4 * HOUR}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
  const lines = (await res.text()).trim().split('\n');
  assert.equal(lines[0], 'time,ts,metric,value');
  assert.equal(lines.length, 25);
  assert.equal(lines[1], `${new Date(T0).toISOString()},${T0},hum,50`);
});

test('aggregated CSV', async () => {
  const res = await fetch(`${t.url}/api/devices/room-1/readings.csv?metric=temp&from=${T0}&to=${T0 + 2 * HOUR}&every=1h&agg=max`);
  assert.equal(
    await res.text(),
    `time,ts,metric,max,count\n${new Date(T0).toISOString()},${T0},temp,5,6\n${new Date(T0 + HOUR).toISOString()},${T0 + HOUR},temp,11,6\n`,
  );
});

test('calendar days in a time zone and the increase of a counter', async () => {
  // temp rises by 1 every 10 minutes from T0 (22:00 UTC); in Amsterdam (UTC+1 now, in winter)
  // the day changes at 23:00 UTC: six samples in the first day, eighteen in the next.
  const range = `from=${T0}&to=${T0 + 4 * HOUR}&metric=temp&agg=increase`;
  const { status, body } = await getJson(`${t.url}/api/devices/room-1/readings?${range}&every=1d&tz=Europe/Amsterdam`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.every, '1d');
  assert.equal(body.tz, 'Europe/Amsterdam');
  assert.deepEqual(
    body.points.map((p: { ts: number; value: number; count: number }) => [p.ts, p.value, p.count]),
    [
      [T0 - 23 * HOUR, 5, 6],
      [T0 + HOUR, 18, 18],
    ],
  );
  // In UTC (the default) the day changes at T0 + 2 h; every stays the window in milliseconds.
  const utc = await getJson(`${t.url}/api/devices/room-1/readings?${range}&every=1d`);
  assert.equal(utc.body.every, 86_400_000);
  assert.deepEqual(
    utc.body.points.map((p: { value: number; count: number }) => [p.value, p.count]),
    [
      [11, 12],
      [12, 12],
    ],
  );
  const rate = await getJson(`${t.url}/api/devices/room-1/readings?${range.replace('increase', 'rate')}&every=1h`);
  assert.deepEqual(
    rate.body.points.map((p: { value: number }) => p.value),
    [5 / 3600, 6 / 3600, 6 / 3600, 6 / 3600],
  );
});

test('bad parameters get 400 with a message that says what is wrong', async () => {
  const cases: Array<[string, RegExp]> = [
    ['from=yesterday', /from must be ISO-8601/],
    [`from=${T0 + HOUR}&to=${T0}`, /from must be before to/],
    ['every=0s', /every must be between 1s and 1d/],
    ['every=2d', /every must be between 1s and 1d/],
    ['every=fast', /every must look like/],
    ['agg=median&every=1h', /agg/],
    ['limit=0', /limit/],
    ['cursor=garbage', /cursor is not one this hub issued/],
    ['metric=no%20spaces', /metric name/],
    ['to=99999999999999999999', /to must lie between 1970-01-01 and 275760-09-13/],
    ['from=-1', /from must lie between/],
    ['from=2026-02-30T00:00:00Z', /from is not a valid date/],
    ['to=2026-04-31', /to is not a valid date/],
    ['every=1d&tz=Mars/Olympus_Mons', /tz must be an IANA time zone name/],
    ['every=1h&tz=Europe/Amsterdam', /tz applies to calendar windows only/],
    ['every=2w', /every must look like/],
  ];
  for (const [query, message] of cases) {
    const { status, body } = await getJson(`${t.url}/api/devices/room-1/readings?${query}`);
    assert.equal(status, 400, query);
    assert.equal(body.error, 'bad_request', query);
    assert.match(body.message, message, query);
  }
});

test('with only a small to, the default span starts at 1970 instead of before it', async () => {
  const { status, body } = await getJson(`${t.url}/api/devices/room-1/readings?to=1000`);
  assert.equal(status, 200);
  assert.equal(body.from, '1970-01-01T00:00:00.000Z');
  assert.deepEqual(body.readings, []);
});

test('health, metrics and the OpenAPI document', async () => {
  const health = await getJson(`${t.url}/api/health`);
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ok');
  assert.equal(health.body.components.store.ok, true);
  assert.match(health.body.version, /^\d+\.\d+\.\d+/);
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /^hub_readings_ingested_total 48$/m);
  assert.match(metrics, /^hub_readings_duplicate_total\{kind="timestamp",source="store"\} 10$/m);
  assert.match(metrics, /^hub_batch_flush_seconds_count \d+$/m);
  const docs = await getJson(`${t.url}/docs/json`);
  assert.equal(docs.status, 200);
  assert.ok(docs.body.paths['/api/devices/{id}/readings'], 'readings route documented');
});

test('an aggregate that would hold too many windows gets 400, and the hub answers on', async () => {
  await t.hub.devices.register({ id: 'dense-1', name: 'Dense', transport: 'mqtt', metrics: [{ name: 'v' }] });
  const start = T0 - 30 * HOUR;
  const readings = Array.from({ length: 100_001 }, (_, i) => ({ deviceId: 'dense-1', metric: 'v', ts: start + i * 1_000, value: i }));
  await t.hub.store.writeBatch({ readings, heads: [], lastSeen: [] });
  const tooMany = await getJson(`${t.url}/api/devices/dense-1/readings?from=${start}&to=${T0}&every=1s`);
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.body.message, /more than 100000 windows; choose a larger every or a shorter range/);
  const csv = await fetch(`${t.url}/api/devices/dense-1/readings.csv?from=${start}&to=${T0}&every=1s`);
  assert.equal(csv.status, 400);
  const hourly = await getJson(`${t.url}/api/devices/dense-1/readings?from=${start}&to=${T0}&every=1h&agg=count`);
  assert.equal(hourly.status, 200);
  assert.equal(
    hourly.body.points.reduce((n: number, p: { value: number }) => n + p.value, 0),
    100_001,
  );
});
