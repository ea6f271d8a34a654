// Resuming with the eventsource npm client (the WHATWG EventSource for Node): after the hub drops
// the stream, the client reconnects with Last-Event-ID and receives exactly the events it missed,
// in order; an id older than the history gets an explicit `reset` first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventSource } from 'eventsource';
import { startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';

async function readings(t: TestHub, deviceId: string, values: number[]): Promise<void> {
  const outcomes = values.map((value) => t.hub.ingest.submit({ deviceId, readings: [{ metric: 'n', value }], source: 'test' }));
  for (const o of outcomes) assert.equal(o.status, 'accepted');
  await Promise.all(outcomes.map((o) => o.durable));
}

test('a reconnect with Last-Event-ID receives exactly the missed events, in order', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on', liveRetryMs: 1_500 });
  const { token } = await t.hub.tokens.add('viewer');
  await t.hub.devices.register({ id: 'counter', name: 'Counter', transport: 'simulator' });
  const requests: Array<string | null> = [];
  const es = new EventSource(`${t.url}/api/stream?types=reading&devices=counter&token=${token}`, {
    fetch: (input, init) => {
      requests.push(new Headers(init?.headers).get('last-event-id'));
      return fetch(input, init);
    },
  });
  teardown(ctx, () => es.close());
  const got: Array<{ id: string; value: number }> = [];
  es.addEventListener('reading', (e) => got.push({ id: e.lastEventId, value: JSON.parse(e.data).readings[0].value }));
  await waitFor('the stream to open', () => es.readyState === EventSource.OPEN);
  await readings(t, 'counter', [1, 2, 3, 4, 5]);
  await waitFor('five events', () => got.length === 5);

  t.hub.live.closeAll();
  await waitFor('the hub to drop the client', () => t.hub.live.clientCount === 0);
  await readings(t, 'counter', [6, 7, 8, 9, 10]);
  assert.equal(t.hub.live.clientCount, 0, 'these five were made while the client was away');

  await waitFor('the client to reconnect', () => t.hub.live.clientCount === 1 && es.readyState === EventSource.OPEN);
  await readings(t, 'counter', [11, 12]);
  await waitFor('all twelve events', () => got.length >= 12);
  assert.deepEqual(
    got.map((g) => g.value),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  const ids = got.map((g) => Number(g.id));
  assert.deepEqual(
    ids,
    [...new Set(ids)].sort((a, b) => a - b),
  );
  // The reconnect named the last event seen before the drop.
  assert.deepEqual(requests, [null, got[4].id]);
});

test('an id older than the history gets a reset naming the oldest id, then what is kept', async (ctx) => {
  const t = await startHub(ctx, { liveHistorySize: 5 });
  await t.hub.devices.register({ id: 'counter', name: 'Counter', transport: 'simulator' });
  const firstId = t.hub.live.events.lastId + 1;
  await readings(
    t,
    'counter',
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const kept = t.hub.live.events.since(t.hub.live.events.oldestId - 1).events;
  assert.equal(kept.length, 5);

  const es = new EventSource(`${t.url}/api/stream?lastEventId=${firstId}`);
  teardown(ctx, () => es.close());
  const got: Array<{ type: string; id: string; data: any }> = [];
  for (const type of ['reset', 'reading', 'presence', 'device']) {
    es.addEventListener(type, (e) => got.push({ type, id: e.lastEventId, data: JSON.parse(e.data) }));
  }
  await waitFor('reset and the kept events', () => got.length >= 6);
  assert.equal(got[0].type, 'reset');
  assert.deepEqual(got[0].data, { oldestId: kept[0].id });
  assert.equal(Number(got[0].id), kept[0].id - 1);
  assert.deepEqual(
    got.slice(1).map((g) => Number(g.id)),
    kept.map((e) => e.id),
  );
  // A resume from inside the history gets no reset.
  const inside = await fetch(`${t.url}/api/poll?since=${kept[2].id}&timeout=0`).then((r) => r.json());
  assert.deepEqual(
    inside.events.map((e: { id: number }) => e.id),
    kept.slice(3).map((e) => e.id),
  );
});
