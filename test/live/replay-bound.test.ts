// A resume from far back goes through the client's bounded queue, over real sockets: a client that
// stops reading holds no more than a full response buffer of its replay in the hub (the replay
// continues as it drains, then goes live without a gap or a repeat); one that falls out of the
// history while it replays gets a `reset` in the stream and continues from the oldest kept event;
// a long-poll from far back answers at most the queue's worth of events, with `more` and a cursor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventSourceMessage } from 'eventsource-parser';
import { getJson, startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { openSse } from './sse-reader.js';

// Large events, so a replay of the history is megabytes: far more than socket buffers hold.
const METRICS = Array.from({ length: 40 }, (_, i) => `a_metric_with_a_long_name_for_large_events_${i}`);
const QUEUE = 20;
/** Bytes a replaying client may hold in the hub: a response buffer (16 KiB or 64 KiB) and one event. */
const HELD_BOUND = 256 * 1024;

/** Logs `count` reading events of the device 'big', valued from `from` on (in steps the ingest queue takes). */
async function log(t: TestHub, count: number, from = 0): Promise<void> {
  for (let done = 0; done < count; done += 500) {
    const outcomes = Array.from({ length: Math.min(500, count - done) }, (_, i) =>
      t.hub.ingest.submit({ deviceId: 'big', readings: METRICS.map((metric) => ({ metric, value: from + done + i })), source: 'test' }),
    );
    await Promise.all(outcomes.map((o) => o.durable));
  }
}

function bufferedBytes(t: TestHub): number {
  const line = t.hub.metrics.registry
    .render()
    .split('\n')
    .find((l) => l.startsWith('hub_live_buffered_bytes '));
  assert.ok(line, 'the hub reports the bytes it holds for live clients');
  return Number(line.split(' ')[1]);
}

const values = (events: EventSourceMessage[]) => events.map((e) => JSON.parse(e.data).readings[0].value as number);
const slowDrops = (t: TestHub) => t.hub.metrics.registry.render().includes('hub_live_clients_dropped_total{reason="slow"}');

test('a replay larger than the queue is written as the client reads, then the stream goes live', async (ctx) => {
  const t = await startHub(ctx, { liveClientQueue: QUEUE, liveHistorySize: 5_000 });
  await t.hub.devices.register({ id: 'big', name: 'Large events', transport: 'simulator' });
  const before = t.hub.live.events.lastId;
  await log(t, 3_000);

  const reader = await openSse(ctx, `${t.url}/api/stream?types=reading&lastEventId=${before}`);
  reader.pause();
  await waitFor('the stream to open', () => t.hub.live.clientCount === 1);
  const held = bufferedBytes(t);
  ctx.diagnostic(`a stalled client resuming 3000 events (~${Math.round((3_000 * 3_000) / 1e6)} MB) holds ${held} bytes in the hub`);
  assert.ok(held <= HELD_BOUND, `the hub holds ${held} bytes for a client that does not read`);
  assert.ok(reader.events.length < 3_000, 'the replay waits for the client');

  // A live event while the replay waits: it arrives after the replay, once, in order.
  await log(t, 1, 3_000);
  reader.resume();
  const got = await reader.waitForEvents(3_001, 30_000);
  assert.deepEqual(
    values(got),
    Array.from({ length: 3_001 }, (_, i) => i),
  );
  assert.equal(
    reader.events.some((e) => e.event === 'reset'),
    false,
  );
  await log(t, 1, 3_001);
  await waitFor('a live event after the replay', () => reader.events.length === 3_002);
  assert.equal(values(reader.events)[3_001], 3_001);
  assert.equal(slowDrops(t), false, 'the replay never counted as falling behind');
});

test('a client that falls out of the history while it replays gets a reset and continues from the oldest kept event', async (ctx) => {
  const t = await startHub(ctx, { liveClientQueue: QUEUE, liveHistorySize: 2_500 });
  await t.hub.devices.register({ id: 'big', name: 'Large events', transport: 'simulator' });
  const before = t.hub.live.events.lastId;
  await log(t, 2_000);

  // Unfiltered, so the ids in the stream are consecutive.
  const reader = await openSse(ctx, `${t.url}/api/stream?lastEventId=${before}`);
  reader.pause();
  await waitFor('the stream to open', () => t.hub.live.clientCount === 1);
  // The whole history turns over while the client reads nothing.
  await log(t, 2_500, 2_000);
  assert.ok(bufferedBytes(t) <= HELD_BOUND);
  reader.resume();

  const reset = await waitFor('a reset in the stream', () => reader.events.find((e) => e.event === 'reset'));
  const oldestId = JSON.parse(reset.data).oldestId as number;
  assert.equal(Number(reset.id), oldestId - 1, 'a reconnect after the reset resumes from the oldest kept event');
  const lastId = t.hub.live.events.lastId;
  await waitFor('the rest of the history', () => reader.events.at(-1)?.id === String(lastId), 30_000);

  const at = reader.events.indexOf(reset);
  const ids = (events: EventSourceMessage[]) => events.map((e) => Number(e.id));
  const consecutive = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  const replayed = ids(reader.events.slice(0, at));
  assert.ok(replayed.length > 0 && replayed.length < 2_000, `${replayed.length} events came before the reset`);
  assert.deepEqual(replayed, consecutive(before + 1, replayed.length));
  const afterReset = ids(reader.events.slice(at + 1));
  assert.deepEqual(afterReset, consecutive(oldestId, lastId - oldestId + 1));
  assert.equal(slowDrops(t), false, 'the client was not cut off');
});

test('a long-poll from far back answers at most the queue, with `more`, and continues from lastId', async (ctx) => {
  const t = await startHub(ctx, { liveClientQueue: QUEUE, liveHistorySize: 5_000 });
  await t.hub.devices.register({ id: 'big', name: 'Large events', transport: 'simulator' });
  const before = t.hub.live.events.lastId;
  await log(t, 50);

  const first = await getJson(`${t.url}/api/poll?since=${before}&types=reading&timeout=0&limit=1000`);
  assert.equal(first.body.events.length, QUEUE, 'a limit above the queue is held to the queue');
  assert.equal(first.body.more, true);
  assert.equal(first.body.lastId, first.body.events.at(-1).id);

  const got = [...first.body.events];
  let since = first.body.lastId;
  for (let more = true; more; ) {
    const { body } = await getJson(`${t.url}/api/poll?since=${since}&types=reading&timeout=0&limit=7`);
    assert.ok(body.events.length <= 7);
    got.push(...body.events);
    since = body.lastId;
    more = body.more;
  }
  assert.deepEqual(
    got.map((e) => e.data.readings[0].value),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.equal(since, t.hub.live.events.lastId);
});
