// The store thread failing, for real: a database another process holds locked (SQLite answers
// SQLITE_BUSY once its busy timeout is over), and a thread that dies with calls under way. Both
// must reach ingest as failed writes, which it retries with backoff, acking nothing meanwhile;
// once the store works again every reading is stored exactly once and acked.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { IngestMessage } from '../../../src/core/ingest.js';
import { HOUR_MS } from '../../../src/storage/buckets.js';
import { StoreThreadError, WorkerStore } from '../../../src/storage/worker/worker-store.js';
import { startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { teardown, tempDir } from '../../helpers/teardown.js';

const T0 = Date.now() - HOUR_MS;

function message(seq: number): IngestMessage {
  return { deviceId: 'meter-1', seq, source: 'mqtt', readings: [{ metric: 'power', value: seq, ts: T0 + seq * 1000 }] };
}

async function workerHub(t: TestContext): Promise<{ hub: TestHub; store: WorkerStore }> {
  const hub = await startHub(t, { storeThread: 'worker', flushIntervalMs: 0 });
  assert.ok(hub.hub.store instanceof WorkerStore, 'HUB_STORE_THREAD=worker runs the store on its thread');
  await hub.hub.devices.register({ id: 'meter-1', name: 'Meter', transport: 'mqtt' });
  return { hub, store: hub.hub.store };
}

async function stored(hub: TestHub): Promise<number[]> {
  const page = await hub.hub.store.queryRaw({ deviceId: 'meter-1', metric: 'power', from: 0, to: Date.now() + 60_000, limit: 1000 });
  return page.readings.map((r) => r.value);
}

const failures = (hub: TestHub) => hub.hub.metrics.flushFailures.get();

test('a thread that dies with a write under way fails that write; ingest retries on a new thread and acks once stored', async (t) => {
  const { hub, store } = await workerHub(t);
  const first = hub.hub.ingest.submit(message(0));
  await first.durable;
  const thread = await store.currentThread();

  const outcome = hub.hub.ingest.submit(message(1));
  assert.equal(outcome.status, 'accepted');
  const dying = thread.terminate();
  // The write is posted to the thread before its exit can be seen: it fails with the thread.
  const flushed = hub.hub.ingest.flush();
  await dying;
  await flushed;
  assert.equal(failures(hub), 1);

  assert.deepEqual(await outcome.durable, { h: 1 });
  assert.notEqual(await store.currentThread(), thread, 'a new thread answers');
  assert.deepEqual(await stored(hub), [0, 1]);
  assert.equal((await hub.hub.store.health()).ok, true);
});

test('a call to a thread that is gone is refused as a store failure, and the next call starts a new thread', async (t) => {
  const store = new WorkerStore(tempDir(t, 'worker-store-'));
  await store.start();
  teardown(t, () => store.stop());
  const thread = await store.currentThread();
  const dying = thread.terminate();
  const write = store.writeBatch({ readings: [{ deviceId: 'd', metric: 'm', ts: T0, value: 1 }], heads: [], lastSeen: [] });
  await assert.rejects(write, StoreThreadError);
  await dying;
  assert.deepEqual(await store.writeBatch({ readings: [{ deviceId: 'd', metric: 'm', ts: T0, value: 1 }], heads: [], lastSeen: [] }), {
    inserted: 1,
    duplicates: 0,
  });
});

test('a database locked by another process fails writes as SQLITE_BUSY; nothing is acked until it is free, then everything once', async (t) => {
  const { hub } = await workerHub(t);
  await hub.hub.ingest.submit(message(0)).durable;
  const other = new BetterSqlite3(join(hub.dataDir, 'telemetry.db'));
  teardown(t, () => other.close());
  other.exec('BEGIN IMMEDIATE');
  teardown(t, () => other.inTransaction && other.exec('ROLLBACK'));

  let acked: { h: number | null } | null = null;
  const outcomes = [1, 2, 3].map((seq) => hub.hub.ingest.submit(message(seq)));
  void outcomes[2]!.durable.then((ack) => (acked = ack));
  await waitFor('a failed write', () => failures(hub) >= 1, 30_000);
  assert.equal(acked, null, 'nothing is acked while the store refuses');
  assert.equal(hub.hub.ingest.pendingReadings, 3);

  other.exec('ROLLBACK');
  assert.deepEqual(await outcomes[2]!.durable, { h: 3 });
  assert.deepEqual(await stored(hub), [0, 1, 2, 3]);
});
