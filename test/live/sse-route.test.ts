// GET /api/stream over raw HTTP: headers that keep proxies from buffering, `retry` first,
// heartbeats, the device/metric/type filters, unicode, and clear 400s for bad parameters.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { openSse, readBody } from './sse-reader.js';

let t: TestHub;

before(async () => {
  t = await startHub({ liveHeartbeatMs: 150, liveRetryMs: 1_234 });
  await t.hub.devices.register({ id: 'dev-a', name: 'A', transport: 'simulator' });
  await t.hub.devices.register({ id: 'dev-b', name: 'B', transport: 'simulator' });
});
after(() => t.stop());

async function submit(deviceId: string, readings: Array<{ metric: string; value: number }>): Promise<void> {
  const outcome = t.hub.ingest.submit({ deviceId, readings, source: 'test' });
  assert.equal(outcome.status, 'accepted');
  await outcome.durable;
}

test('the stream opens with anti-buffering headers and retry, then sends heartbeats', async (ctx) => {
  const sse = await openSse(ctx, `${t.url}/api/stream`);
  assert.equal(sse.status, 200);
  assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
  assert.match(String(sse.headers['cache-control']), /no-cache/);
  assert.match(String(sse.headers['cache-control']), /no-transform/);
  assert.equal(sse.headers['x-accel-buffering'], 'no');
  await waitFor('two heartbeats', () => sse.comments.filter((c) => c.trim() === 'heartbeat').length >= 2);
  assert.ok(sse.raw().startsWith('retry: 1234\n\n'));
  assert.deepEqual(sse.retries, [1234]);
});

test('filters: devices, metrics (readings keep only those) and types', async (ctx) => {
  const all = await openSse(ctx, `${t.url}/api/stream`);
  const onlyA = await openSse(ctx, `${t.url}/api/stream?devices=dev-a&metrics=t&types=reading`);
  const devicesOnly = await openSse(ctx, `${t.url}/api/stream?types=device,presence`);
  await submit('dev-b', [{ metric: 't', value: 1 }]);
  await submit('dev-a', [{ metric: 'h', value: 2 }]);
  await submit('dev-a', [
    { metric: 't', value: 3 },
    { metric: 'h', value: 4 },
  ]);
  await t.hub.devices.register({ id: 'dev-c', name: 'C', transport: 'simulator' });

  const [onlyEvent] = await onlyA.waitForEvents(1);
  assert.equal(onlyEvent.event, 'reading');
  const data = JSON.parse(onlyEvent.data);
  assert.equal(data.deviceId, 'dev-a');
  assert.deepEqual(
    data.readings.map((r: { metric: string; value: number }) => [r.metric, r.value]),
    [['t', 3]],
  );

  // Device events also come when a device reports a metric it had not declared.
  const deviceC = await waitFor('dev-c on the device stream', () =>
    devicesOnly.events.find((e) => e.event === 'device' && JSON.parse(e.data).id === 'dev-c'),
  );
  assert.equal(JSON.parse(deviceC.data).name, 'C');

  // The unfiltered client sees the same things: three readings, presence changes, the device.
  await waitFor('dev-c on the unfiltered stream', () => all.events.some((e) => e.event === 'device' && JSON.parse(e.data).id === 'dev-c'));
  assert.equal(all.events.filter((e) => e.event === 'reading').length, 3);
  assert.ok(all.events.some((e) => e.event === 'presence'));
  // Ids increase along the stream.
  const ids = all.events.map((e) => Number(e.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
  );
  // Nothing else reached the filtered clients meanwhile.
  assert.equal(onlyA.events.length, 1);
  assert.ok(devicesOnly.events.every((e) => e.event === 'device' || e.event === 'presence'));
});

test('unicode in device names arrives intact', async (ctx) => {
  const sse = await openSse(ctx, `${t.url}/api/stream?types=device&devices=dev-u`);
  await t.hub.devices.register({ id: 'dev-u', name: 'Küche 温度 🌡️ "quoted"\nsecond line', transport: 'simulator' });
  const [event] = await sse.waitForEvents(1);
  assert.equal(JSON.parse(event.data).name, 'Küche 温度 🌡️ "quoted"\nsecond line');
});

test('bad parameters are refused with 400 before the stream starts', async () => {
  const badType = await readBody(`${t.url}/api/stream?types=reading,gossip`);
  assert.equal(badType.status, 400);
  assert.equal(badType.body.error, 'bad_request');
  assert.match(badType.body.message, /gossip/);
  const badId = await readBody(`${t.url}/api/stream?lastEventId=yesterday`);
  assert.equal(badId.status, 400);
  assert.match(badId.body.message, /event id/);
  const res = await fetch(`${t.url}/api/stream`, { headers: { 'last-event-id': '-3' } });
  assert.equal(res.status, 400);
  await res.body?.cancel();
  // Refusals are counted (and logged) by route.
  assert.ok(t.hub.metrics.registry.render().includes('hub_live_requests_refused_total{route="/api/stream"} 3'));
  // What the JSON schema refuses is answered the same way, and counted too.
  const tooLong = await readBody(`${t.url}/api/stream?devices=${'d'.repeat(9000)}`);
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.error, 'bad_request');
  assert.match(tooLong.body.message, /devices must NOT have more than 8192 characters/);
  assert.ok(t.hub.metrics.registry.render().includes('hub_live_requests_refused_total{route="/api/stream"} 4'));
});

test('a client going away is removed from the hub', async (ctx) => {
  const before = t.hub.live.clientCount;
  const sse = await openSse(ctx, `${t.url}/api/stream`);
  assert.equal(t.hub.live.clientCount, before + 1);
  sse.close();
  await waitFor('the client to be removed', () => t.hub.live.clientCount === before);
});
