import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS } from '../../src/config/settings.js';
import { DeviceRegistry } from '../../src/core/devices.js';
import { EventBus } from '../../src/core/events.js';
import { Ingest, type IngestOptions } from '../../src/core/ingest.js';
import { StreamLedger } from '../../src/core/streams.js';
import { HubMetrics } from '../../src/observability/hub-metrics.js';
import { createLogger } from '../../src/observability/logger.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store, WriteBatch } from '../../src/core/store.js';
import { teardown, tempDir } from '../helpers/teardown.js';

const NOW = Date.now();

/** Ingest on a real SQLite store in a temp dir, all of it stopped and removed after the test. */
async function setup(t: TestContext, options: Partial<IngestOptions> = {}, wrap: (s: Store) => Store = (s) => s, clock?: () => number) {
  const sqlite = new SqliteStore(tempDir(t, 'ingest-test-'));
  await sqlite.start();
  teardown(t, () => sqlite.stop());
  const store = wrap(sqlite);
  const bus = new EventBus();
  const streams = new StreamLedger();
  const devices = new DeviceRegistry(store, streams, bus);
  const metrics = new HubMetrics();
  const ingest = new Ingest(
    { store, devices, streams, bus, metrics, log: createLogger('silent'), clock },
    { batchSize: 100, flushIntervalMs: 10, maxPending: 10_000, ...options },
  );
  await devices.register({ id: 'dev-1', name: 'Device 1', transport: 'mqtt' });
  ingest.start();
  teardown(t, () => ingest.stop());
  const stored = async () => (await sqlite.queryRaw({ deviceId: 'dev-1', from: 0, to: NOW + 3_600_000, limit: 10_000 })).readings;
  return {
    ingest,
    bus,
    metrics,
    streams,
    devices,
    sqlite,
    stored,
  };
}

test('a bad reading is rejected with its reason; the good ones of the same message are kept', async (t) => {
  const h = await setup(t);
  const outcome = h.ingest.submit({
    deviceId: 'dev-1',
    source: 'test',
    readings: [
      { metric: 'temp', value: 21.5, ts: NOW },
      { metric: 'temp', value: Number.NaN, ts: NOW + 1 },
      { metric: '9lives', value: 1, ts: NOW },
      { metric: 'hum', value: 40, ts: Date.UTC(1999, 11, 31) },
      { metric: 'hum', value: 41, ts: NOW + 86_400_000 },
      { metric: 'hum', value: 1e16, ts: NOW },
      { metric: 'hum', value: 42, ts: NOW },
    ],
  });
  assert.equal(outcome.status, 'accepted');
  assert.equal(outcome.accepted, 2);
  assert.deepEqual(
    outcome.refused.map((r) => r.detail),
    [
      'value must be finite',
      'metric name must start with a letter and hold only letters, digits, ".", "_" and "-"',
      'timestamp before 2000-01-01',
      'timestamp more than 10 minutes in the future',
      'value beyond ±1000000000000000',
    ],
  );
  await outcome.durable;
  assert.deepEqual(
    (await h.stored()).map((r) => [r.metric, r.value]),
    [
      ['hum', 42],
      ['temp', 21.5],
    ],
  );
  assert.equal(h.metrics.readingsRefused.get({ source: 'test', reason: 'bad_value' }), 2);
  assert.equal(h.metrics.readingsRefused.get({ source: 'test', reason: 'bad_timestamp' }), 2);
  assert.equal(h.metrics.readingsRefused.get({ source: 'test', reason: 'bad_metric' }), 1);
});

test('metric names refused as invalid take no place among the metrics a device may have', async (t) => {
  const sqlite = new SqliteStore(tempDir(t, 'ingest-limit-'));
  await sqlite.start();
  teardown(t, () => sqlite.stop());
  const bus = new EventBus();
  const streams = new StreamLedger();
  const devices = new DeviceRegistry(sqlite, streams, bus, Date.now, 2);
  const metrics = new HubMetrics();
  const ingest = new Ingest(
    { store: sqlite, devices, streams, bus, metrics, log: createLogger('silent') },
    { batchSize: 100, flushIntervalMs: 0, maxPending: 10_000 },
  );
  await devices.register({ id: 'dev-1', name: 'Device 1', transport: 'mqtt' });
  ingest.start();
  teardown(t, () => ingest.stop());
  const junk = ingest.submit({
    deviceId: 'dev-1',
    source: 'test',
    readings: [
      { metric: '1st', value: 1, ts: NOW },
      { metric: 'a b', value: 1, ts: NOW },
      { metric: '', value: 1, ts: NOW },
    ],
  });
  assert.deepEqual(
    junk.refused.map((r) => r.code),
    ['bad_metric', 'bad_metric', 'bad_metric'],
  );
  const good = ingest.submit({
    deviceId: 'dev-1',
    source: 'test',
    readings: [
      { metric: 'temp', value: 20, ts: NOW },
      { metric: 'hum', value: 40, ts: NOW },
      { metric: 'co2', value: 400, ts: NOW },
    ],
  });
  assert.equal(good.accepted, 2);
  assert.deepEqual(
    good.refused.map((r) => [r.metric, r.code]),
    [['co2', 'too_many_metrics']],
  );
  await good.durable;
  const stored = await sqlite.queryRaw({ deviceId: 'dev-1', from: 0, to: NOW + 3_600_000, limit: 100 });
  assert.deepEqual(stored.readings.map((r) => r.metric).sort(), ['hum', 'temp']);
  assert.equal(metrics.readingsRefused.get({ source: 'test', reason: 'too_many_metrics' }), 1);
});

test('messages from unknown devices are refused with a reason and nothing is written', async (t) => {
  const h = await setup(t);
  const outcome = h.ingest.submit({ deviceId: 'ghost', source: 'test', readings: [{ metric: 'x', value: 1 }] });
  assert.equal(outcome.status, 'refused');
  assert.equal(outcome.detail, 'unknown device ghost');
  await assert.rejects(outcome.durable, /unknown device ghost/);
});

test('durable resolves only after the batch is committed, with the new stream head', async (t) => {
  const h = await setup(t, { flushIntervalMs: 200, batchSize: 1_000 });
  const outcome = h.ingest.submit({ deviceId: 'dev-1', seq: 7, source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] });
  let resolved = false;
  void outcome.durable.then(() => {
    resolved = true;
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(resolved, false, 'acked before the flush');
  assert.equal((await h.stored()).length, 0);
  assert.deepEqual(await outcome.durable, { h: 7 });
  assert.equal((await h.stored()).length, 1);
  const [device] = await h.sqlite.loadDevices();
  assert.equal(device.streamH, 7, 'the head is stored with the readings');
});

test('onDurable is called once the message is durable; durable asked for only after the write still resolves, with the head', async (t) => {
  const h = await setup(t, { flushIntervalMs: 200, batchSize: 1_000 });
  const calls: number[] = [];
  const first = h.ingest.submit({ deviceId: 'dev-1', seq: 7, source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] }, () =>
    calls.push(h.streams.head('dev-1') ?? -1),
  );
  assert.equal(first.status, 'accepted');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls.length, 0, 'called before the flush');
  await h.ingest.flush();
  assert.deepEqual(calls, [7], 'called once, after the commit, with the head stored');
  assert.equal((await h.stored()).length, 1);
  assert.deepEqual(await first.durable, { h: 7 }, 'a promise made after the write resolves at once');
  // A resend of the same seq is a duplicate: its callback runs once what is pending is durable.
  const again = h.ingest.submit({ deviceId: 'dev-1', seq: 7, source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] }, () =>
    calls.push(-7),
  );
  assert.equal(again.status, 'duplicate');
  await again.durable;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [7, -7]);
});

test('a full batch is flushed at once without waiting for the interval', async (t) => {
  const h = await setup(t, { flushIntervalMs: 60_000, batchSize: 5 });
  const outcome = h.ingest.submit({
    deviceId: 'dev-1',
    source: 'test',
    readings: [1, 2, 3, 4, 5].map((i) => ({ metric: 't', value: i, ts: NOW + i })),
  });
  await outcome.durable;
  assert.equal((await h.stored()).length, 5);
});

test('a resent sequence number is dropped without a second write, also across wrap-around', async (t) => {
  let now = NOW;
  const h = await setup(t, {}, undefined, () => now);
  const send = (seq: number, value: number) =>
    h.ingest.submit({ deviceId: 'dev-1', seq, source: 'test', readings: [{ metric: 't', value }] });
  const first = send(2 ** 32 - 1, 1);
  await first.durable;
  now += 2; // receive time differs, so only the seq can catch the resend
  const again = send(2 ** 32 - 1, 1);
  assert.equal(again.status, 'duplicate');
  assert.deepEqual(await again.durable, { h: 2 ** 32 - 1 });
  const wrapped = send(0, 2);
  assert.equal(wrapped.status, 'accepted');
  assert.deepEqual(await wrapped.durable, { h: 0 });
  assert.equal(send(2 ** 32 - 1, 1).status, 'duplicate');
  assert.deepEqual(
    (await h.stored()).map((r) => r.value),
    [1, 2],
  );
});

test('a failing store keeps the batch, acks nothing, and writes everything once it recovers', async (t) => {
  // The one fake here: a wrapper around the real SQLite store that fails its first writes,
  // standing in for a database that is briefly unreachable.
  let failuresLeft = 2;
  const h = await setup(t, {}, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: (batch: WriteBatch) => (failuresLeft-- > 0 ? Promise.reject(new Error('store down')) : store.writeBatch(batch)),
    }),
  );
  let acked = false;
  const outcome = h.ingest.submit({ deviceId: 'dev-1', seq: 1, source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] });
  void outcome.durable.then(() => {
    acked = true;
  });
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(acked, false);
  const second = h.ingest.submit({ deviceId: 'dev-1', seq: 2, source: 'test', readings: [{ metric: 't', value: 2, ts: NOW + 1 }] });
  assert.deepEqual(await second.durable, { h: 2 });
  assert.equal(acked, true);
  assert.deepEqual(
    (await h.stored()).map((r) => r.value),
    [1, 2],
  );
  assert.equal(h.metrics.flushFailures.get(), 2);
});

test('past maxPending new messages are refused so devices keep them and resend', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const h = await setup(t, { maxPending: 3, batchSize: 1_000 }, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: async (batch: WriteBatch) => {
        await gate;
        return store.writeBatch(batch);
      },
    }),
  );
  const a = h.ingest.submit({ deviceId: 'dev-1', source: 'test', readings: [1, 2].map((v) => ({ metric: 't', value: v, ts: NOW + v })) });
  const b = h.ingest.submit({ deviceId: 'dev-1', source: 'test', readings: [3, 4].map((v) => ({ metric: 't', value: v, ts: NOW + v })) });
  assert.equal(a.status, 'accepted');
  assert.equal(b.status, 'refused');
  assert.match(b.detail!, /buffering too many/);
  release();
  await a.durable;
  assert.equal((await h.stored()).length, 2);
});

test('stop() flushes what is pending and refuses what comes after', async (t) => {
  const h = await setup(t, { flushIntervalMs: 60_000, batchSize: 1_000 });
  h.ingest.submit({ deviceId: 'dev-1', source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] });
  await h.ingest.stop();
  assert.equal((await h.stored()).length, 1);
  assert.equal(h.ingest.submit({ deviceId: 'dev-1', source: 'test', readings: [{ metric: 't', value: 2 }] }).status, 'refused');
});

test('readings events go out only after the write, with the readings of each message', async (t) => {
  const h = await setup(t);
  const seen: number[] = [];
  h.bus.on('readings', async ({ readings }) => {
    seen.push((await h.stored()).length, readings.length);
  });
  await h.ingest.submit({
    deviceId: 'dev-1',
    source: 'test',
    readings: [
      { metric: 'a', value: 1, ts: NOW },
      { metric: 'b', value: 2, ts: NOW },
    ],
  }).durable;
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, [2, 2]);
});

test('a message refused for a full buffer is not skipped by the next one: the device must resend it first', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const h = await setup(t, { maxPending: 2, batchSize: 1_000 }, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: async (batch: WriteBatch) => {
        await gate;
        return store.writeBatch(batch);
      },
    }),
  );
  const send = (seq: number, n: number) =>
    h.ingest.submit({
      deviceId: 'dev-1',
      seq,
      source: 'test',
      readings: Array.from({ length: n }, (_, i) => ({ metric: 't', value: seq * 10 + i, ts: NOW + seq * 10 + i })),
    });
  assert.equal(send(1, 2).status, 'accepted');
  assert.equal(send(2, 1).status, 'refused');
  release();
  await h.ingest.flush();
  const skipped = send(3, 1);
  assert.equal(skipped.status, 'refused');
  assert.equal(skipped.code, 'seq_gap');
  assert.match(skipped.detail!, /seq 3 skips ahead of 2/);
  assert.deepEqual(await send(2, 1).durable, { h: 2 });
  assert.deepEqual(await send(3, 1).durable, { h: 3 });
  assert.deepEqual(
    (await h.stored()).map((r) => r.value),
    [10, 11, 20, 30],
  );
});

test('stop() with a failing store gives up at once: no retry runs after the stop', async (t) => {
  // The one fake here: a wrapper around the real SQLite store whose writes always fail.
  let attempts = 0;
  const h = await setup(t, { flushIntervalMs: 60_000, batchSize: 1_000 }, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: () => {
        attempts++;
        return Promise.reject(new Error('store down'));
      },
    }),
  );
  let acked = false;
  const outcome = h.ingest.submit({ deviceId: 'dev-1', seq: 1, source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] });
  void outcome.durable.then(() => {
    acked = true;
  });
  await h.ingest.stop();
  assert.equal(attempts, 1);
  // The first retry would come 100 ms after the failure; wait well past it.
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(attempts, 1, 'a retry ran after stop()');
  assert.equal(acked, false);
});

test('a loss declared while messages are pending moves the head over it once they are durable, and stores it', async (t) => {
  const h = await setup(t, { flushIntervalMs: 60_000 });
  h.ingest.submit({ deviceId: 'dev-1', source: 'test', seq: 0, readings: [{ metric: 'v', value: 0, ts: NOW }] });
  h.ingest.submit({ deviceId: 'dev-1', source: 'test', seq: 1, readings: [{ metric: 'v', value: 1, ts: NOW + 1 }] });
  const lost = h.ingest.declareOldest('dev-1', 5, 'test'); // 2..4 are gone from the device
  assert.deepEqual(lost, { from: 2, to: 4, count: 3 });
  assert.equal(h.streams.settled('dev-1'), false, '0 and 1 are still pending');
  const answer = h.ingest.settled('dev-1');
  await h.ingest.flush();
  assert.deepEqual(await answer, { h: 4 }, 'a fresh boot numbers from 5: nothing it sends collides with a seq taken before');
  assert.equal(h.streams.settled('dev-1'), true);
  const heads = (await h.sqlite.loadDevices()).find((d) => d.id === 'dev-1')?.streamH;
  assert.equal(heads, 4, 'the head over the loss is stored, so a restart resumes after it');
});

test('settled() waits again when messages of another life of the device arrived while it waited', async (t) => {
  const gates: Array<() => void> = [];
  const h = await setup(t, { flushIntervalMs: 60_000 }, (s) =>
    Object.assign(Object.create(s), {
      writeBatch: async (batch: WriteBatch) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        return s.writeBatch(batch);
      },
    }),
  );
  const nextWrite = () => waitUntil(() => gates.length > 0).then(() => gates.shift()!);
  h.ingest.submit({ deviceId: 'dev-1', source: 'test', seq: 0, readings: [{ metric: 'v', value: 0, ts: NOW }] });
  const first = h.ingest.flush(); // seq 0 is being written, slowly
  const answer = h.ingest.settled('dev-1'); // a device back from a reboot asks where to go on
  const second = h.ingest.flush();
  (await nextWrite())(); // seq 0 is durable; the flush holding the answer's wait starts
  const waitWrite = await nextWrite();
  // Meanwhile an earlier life of the device, already answered, sends seq 1.
  h.ingest.submit({ deviceId: 'dev-1', source: 'test', seq: 1, readings: [{ metric: 'v', value: 1, ts: NOW + 1 }] });
  waitWrite();
  await Promise.all([first, second]);
  const third = h.ingest.flush();
  (await nextWrite())();
  await third;
  assert.deepEqual(await answer, { h: 1 }, 'not h 0 while seq 1 was still pending: a fresh boot would reuse it');
});

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

test('group commit: with the default settings a write starts at the next turn, and what queued during it goes in one write right after', async (t) => {
  const writes: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const defaults = { flushIntervalMs: SETTINGS.flushIntervalMs.default, batchSize: SETTINGS.batchSize.default };
  const h = await setup(t, defaults, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: async (batch: WriteBatch) => {
        writes.push(batch.readings.length);
        await gate;
        return store.writeBatch(batch);
      },
    }),
  );
  const turn = () => new Promise((r) => setImmediate(r));
  const send = (seq: number) =>
    h.ingest.submit({ deviceId: 'dev-1', seq, source: 'test', readings: [{ metric: 't', value: seq, ts: NOW + seq }] });
  const first = send(0);
  await turn();
  assert.deepEqual(writes, [1], 'the first message is written at the next turn, not after an interval');
  const queued = [1, 2, 3].map(send);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(writes, [1], 'nothing else is written while the first write runs');
  release();
  assert.deepEqual(await first.durable, { h: 0 });
  // No timing asserted here: on a loaded machine the write's own time may make the next one gather.
  assert.deepEqual(await queued[2]!.durable, { h: 3 });
  assert.deepEqual(writes, [1, 3], 'the three messages that queued meanwhile share one write after the first');
  assert.equal((await h.stored()).length, 4);
});

test('a full batch is written at once even when an extra flush delay is set', async (t) => {
  const h = await setup(t, { flushIntervalMs: 60_000, batchSize: 3 });
  const small = h.ingest.submit({ deviceId: 'dev-1', source: 'test', readings: [{ metric: 't', value: 1, ts: NOW }] });
  const filling = h.ingest.submit({
    deviceId: 'dev-1',
    source: 'test',
    readings: [2, 3].map((v) => ({ metric: 't', value: v, ts: NOW + v })),
  });
  await Promise.all([small.durable, filling.durable]);
  assert.equal((await h.stored()).length, 3);
});

test('a backlog after a store outage goes out in writes of at most batchSize readings, whole messages each', async (t) => {
  const writes: number[] = [];
  let failing = true;
  const h = await setup(t, { flushIntervalMs: 0, batchSize: 5 }, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: async (batch: WriteBatch) => {
        if (failing) throw new Error('store down');
        writes.push(batch.readings.length);
        return store.writeBatch(batch);
      },
    }),
  );
  const outcomes = Array.from({ length: 6 }, (_, seq) =>
    h.ingest.submit({
      deviceId: 'dev-1',
      seq,
      source: 'test',
      readings: [0, 1].map((i) => ({ metric: 't', value: seq * 2 + i, ts: NOW + seq * 2 + i })),
    }),
  );
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(h.ingest.pendingReadings, 12, 'nothing is written while the store fails');
  failing = false;
  assert.deepEqual(await outcomes[5]!.durable, { h: 5 });
  assert.deepEqual(writes, [4, 4, 4], 'two messages of two readings per write: a third would pass the cap of 5');
  assert.equal((await h.stored()).length, 12);
});

test('after a write that held the event loop, the next one gathers for as long as that write held it', async (t) => {
  const writes: number[] = [];
  const defaults = { flushIntervalMs: SETTINGS.flushIntervalMs.default, batchSize: SETTINGS.batchSize.default };
  const h = await setup(t, defaults, (store) =>
    Object.assign(Object.create(store) as Store, {
      writeBatch: (batch: WriteBatch) => {
        writes.push(batch.readings.length);
        const until = performance.now() + 30; // a synchronous write, as SQLite's is
        while (performance.now() < until);
        return store.writeBatch(batch);
      },
    }),
  );
  const turn = () => new Promise((r) => setImmediate(r));
  const send = (seq: number) =>
    h.ingest.submit({ deviceId: 'dev-1', seq, source: 'test', readings: [{ metric: 't', value: seq, ts: NOW + seq }] });
  await send(0).durable;
  const second = send(1);
  await turn();
  await turn();
  assert.deepEqual(writes, [1], 'nothing could queue during the blocking write, so the next one waits instead of starting at once');
  const third = send(2);
  await Promise.all([second.durable, third.durable]);
  assert.deepEqual(writes, [1, 2], 'what arrived while it waited shares one write');
});
