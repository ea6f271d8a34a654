// GET /api/poll, the long-poll fallback: events since an id at once, waiting for the next ones
// otherwise, the same filters as the stream, a reset for an id older than the history, and
// `lastId` moving on even when the filters skip everything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getJson, startHub, type TestHub } from '../helpers/hub.js';

let t: TestHub;

before(async () => {
  t = await startHub({ liveHistorySize: 50 });
  await t.hub.devices.register({ id: 'p-a', name: 'A', transport: 'simulator' });
  await t.hub.devices.register({ id: 'p-b', name: 'B', transport: 'simulator' });
});
after(() => t.stop());

async function submit(deviceId: string, readings: Array<{ metric: string; value: number }>): Promise<void> {
  await t.hub.ingest.submit({ deviceId, readings, source: 'test' }).durable;
}

test('events after `since` come at once, with their ids, types and data', async () => {
  const since = t.hub.live.events.lastId;
  await submit('p-a', [{ metric: 'x', value: 1 }]);
  const { status, body } = await getJson(`${t.url}/api/poll?since=${since}&types=reading`);
  assert.equal(status, 200);
  assert.equal(body.events.length, 1);
  assert.equal(body.events[0].type, 'reading');
  assert.ok(body.events[0].id > since);
  assert.deepEqual(
    body.events[0].data.readings.map((r: { value: number }) => r.value),
    [1],
  );
  assert.equal(body.lastId, t.hub.live.events.lastId);
});

test('without events the poll waits for the next matching one', async () => {
  const since = t.hub.live.events.lastId;
  const answer = getJson(`${t.url}/api/poll?since=${since}&timeout=10000&devices=p-b&metrics=y&types=reading`);
  // Not wanted by the filter: the poll keeps waiting.
  await submit('p-a', [{ metric: 'y', value: 1 }]);
  await submit('p-b', [{ metric: 'z', value: 2 }]);
  await submit('p-b', [
    { metric: 'y', value: 3 },
    { metric: 'z', value: 4 },
  ]);
  const { body } = await answer;
  assert.equal(body.events.length, 1);
  assert.deepEqual(body.events[0].data, { deviceId: 'p-b', readings: [{ metric: 'y', ts: body.events[0].data.readings[0].ts, value: 3 }] });
  assert.ok(body.lastId >= body.events[0].id);
});

test('a poll that times out answers no events and a lastId to continue from', async () => {
  const since = t.hub.live.events.lastId;
  const { body } = await getJson(`${t.url}/api/poll?since=${since}&timeout=200&devices=nobody`);
  assert.deepEqual(body, { events: [], lastId: since, more: false });
  await submit('p-a', [{ metric: 'x', value: 5 }]);
  const skipped = await getJson(`${t.url}/api/poll?since=${since}&timeout=0&devices=nobody`);
  assert.deepEqual(skipped.body.events, []);
  assert.equal(skipped.body.lastId, t.hub.live.events.lastId, 'the filtered-out events are passed over');
});

test('an id older than the history answers a reset first', async () => {
  const old = t.hub.live.events.lastId;
  for (let i = 0; i < 60; i++) await t.hub.devices.register({ id: `p-many-${i}`, name: 'x', transport: 'simulator' });
  const { body } = await getJson(`${t.url}/api/poll?since=${old}&timeout=0&types=device`);
  assert.equal(body.events[0].type, 'reset');
  assert.deepEqual(body.events[0].data, { oldestId: t.hub.live.events.oldestId });
  assert.equal(body.events.length, 51);
  assert.equal(body.lastId, t.hub.live.events.lastId);
});

test('bad parameters get 400', async () => {
  assert.equal((await getJson(`${t.url}/api/poll?since=abc`)).status, 400);
  const tooLong = await getJson(`${t.url}/api/poll?timeout=999999`);
  assert.equal(tooLong.status, 400);
  assert.deepEqual(tooLong.body, { error: 'bad_request', message: 'querystring/timeout must be <= 60000' });
  assert.equal((await getJson(`${t.url}/api/poll?types=nope`)).status, 400);
  // Every refusal is counted, the schema's as well as the route's own checks.
  assert.ok(t.hub.metrics.registry.render().includes('hub_live_requests_refused_total{route="/api/poll"} 3'));
});
