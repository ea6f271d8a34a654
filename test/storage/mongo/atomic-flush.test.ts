// A flush (readings, stream heads, last-seen times) is one MongoDB transaction: a failure or a
// crash between the readings write and the heads write leaves neither, and the retry stores each
// reading exactly once. Executed over mingo with the emulated sessions and transactions of
// mingo-session.ts (no MongoDB server can run on this machine); faults are injected into the
// emulation at the exact point between the two writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device, Reading } from '../../../src/core/model.js';
import { HOUR_MS } from '../../../src/storage/buckets.js';
import { BUCKETS } from '../../../src/storage/mongo/bucket-documents.js';
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import { DEVICES } from '../../../src/storage/mongo/registry-documents.js';
import { MongoTransactionsUnsupportedError } from '../../../src/storage/mongo/transactions.js';
import type { WriteBatch } from '../../../src/core/store.js';
import { getJson, startHub, waitFor } from '../../helpers/hub.js';
import { MingoDatabase, type MingoCollection } from './mingo-db.js';
import { ProcessCrash, TRANSACTION_ATTEMPTS, labelled } from './mingo-session.js';

const T0 = Date.UTC(2026, 10, 20, 10);
const DEVICE: Device = {
  id: 'dev-1',
  name: 'Meter',
  transport: 'mqtt',
  metrics: [],
  actuators: [],
  presence: 'offline',
  lastSeen: null,
  createdAt: T0,
};

/** Hub-stamped readings of messages 1 and 2: receive times, so a resend gets new ones. */
function flush(receivedAt: number): WriteBatch {
  const readings: Reading[] = [
    { deviceId: 'dev-1', metric: 'power', ts: receivedAt, value: 1 },
    { deviceId: 'dev-1', metric: 'power', ts: receivedAt + 1, value: 2 },
  ];
  return { readings, heads: [{ deviceId: 'dev-1', h: 2 }], lastSeen: [{ deviceId: 'dev-1', ts: receivedAt + 1 }] };
}

async function openOn(db: MingoDatabase): Promise<MongoStore> {
  const store = new MongoStore(async () => db.connection());
  await store.start();
  return store;
}

/** A store with the device registered and message 0 durable (head 0). */
async function started(db: MingoDatabase): Promise<MongoStore> {
  const store = await openOn(db);
  await store.saveDevice(DEVICE);
  await store.writeBatch({
    readings: [{ deviceId: 'dev-1', metric: 'power', ts: T0, value: 0 }],
    heads: [{ deviceId: 'dev-1', h: 0 }],
    lastSeen: [],
  });
  return store;
}

async function storedValues(store: MongoStore): Promise<number[]> {
  return (await store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + HOUR_MS, limit: 100 })).readings.map((r) => r.value);
}

async function head(store: MongoStore): Promise<number | null> {
  return (await store.loadDevices())[0].streamH;
}

/** Makes the next `times` calls of `op` fail with `error()` before they apply. */
function failTimes(collection: MingoCollection, op: string, times: number, error: () => Error): void {
  if (times <= 0) return;
  collection.inject(op, () => {
    failTimes(collection, op, times - 1, error);
    throw error();
  });
}

test('a flush is one transaction, majority and journaled, and every operation in it names its session', async () => {
  const db = new MingoDatabase();
  const store = await started(db);
  db.collection(BUCKETS).sent.length = 0;
  db.collection(DEVICES).sent.length = 0;
  await store.writeBatch(flush(T0 + HOUR_MS)); // an hour not cached yet, so the look-up runs too
  assert.deepEqual(db.transactions.at(-1), { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority', journal: true } });
  const sent = [...db.collection(BUCKETS).sent, ...db.collection(DEVICES).sent];
  assert.deepEqual(
    sent.map((s) => s.op),
    ['find', 'bulkWrite', 'bulkWrite'],
  );
  const session = db.sessions.at(-1);
  assert.ok(
    sent.every((s) => (s.args[1] as { session?: unknown }).session === session),
    'every operation passes { session }',
  );
  assert.throws(() => session!.viewOf(db.collection(BUCKETS)), /ended/, 'the session is ended after the flush');
  await store.stop();
});

test('the heads update fails: neither the readings nor the head are stored; the retried batch stores each reading once', async () => {
  const db = new MingoDatabase();
  const store = await started(db);
  const batch = flush(T0 + 1000);
  failTimes(db.collection(DEVICES), 'bulkWrite', 1, () => new Error('heads update failed (injected)'));
  await assert.rejects(store.writeBatch(batch), /heads update failed/);
  // The readings' bulkWrite had run inside the transaction; the abort took it back.
  assert.deepEqual(await storedValues(store), [0]);
  assert.equal(await head(store), 0);
  assert.equal((await store.health()).ok, false);

  // The ingest pipeline keeps the batch and writes it again.
  assert.deepEqual(await store.writeBatch(batch), { inserted: 2, duplicates: 0 });
  assert.deepEqual(await storedValues(store), [0, 1, 2]);
  assert.equal(await head(store), 2);
  assert.equal((await store.loadDevices())[0].lastSeen, T0 + 1001);
  assert.equal((await store.health()).ok, true);
  await store.stop();
});

test('a crash before commit stores nothing; after the restart the resent messages, with new receive times, are stored once', async () => {
  const db = new MingoDatabase();
  const before = await started(db);
  db.crashBeforeCommit = true;
  await assert.rejects(before.writeBatch(flush(T0 + 1000)), ProcessCrash);

  // A new process on the same database: the head says message 0, so the device resends 1 and 2,
  // and the hub stamps them with the time they arrive now.
  const after = await openOn(db);
  assert.equal(await head(after), 0);
  assert.deepEqual(await storedValues(after), [0]);
  assert.deepEqual(await after.writeBatch(flush(T0 + 5000)), { inserted: 2, duplicates: 0 });
  const stored = (await after.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + HOUR_MS, limit: 100 })).readings;
  assert.deepEqual(
    stored.map((r) => [r.ts - T0, r.value]),
    [
      [0, 0],
      [5000, 1],
      [5001, 2],
    ],
  );
  assert.equal(await head(after), 2);
  await after.stop();
});

test('a write conflict aborts the attempt and withTransaction runs the flush again; nothing is stored twice or lost', async () => {
  const db = new MingoDatabase();
  const store = await started(db);
  const devices = db.collection(DEVICES);
  // Another writer renames the device while the flush's transaction is open: its commit conflicts.
  devices.inject('bulkWrite', () => void store.saveDevice({ ...DEVICE, name: 'Renamed' }));
  db.collection(BUCKETS).sent.length = 0;
  assert.deepEqual(await store.writeBatch(flush(T0 + 1000)), { inserted: 2, duplicates: 0 });
  assert.equal(db.collection(BUCKETS).sent.filter((s) => s.op === 'bulkWrite').length, 2, 'two attempts');
  assert.deepEqual(await storedValues(store), [0, 1, 2]);
  const [device] = await store.loadDevices();
  assert.deepEqual([device.name, device.streamH], ['Renamed', 2]);
  await store.stop();
});

test('a conflict that outlasts the transaction retries fails the flush; ingest retries it and acks once it is written', async (t) => {
  const db = new MingoDatabase();
  const store = new MongoStore(async () => db.connection());
  const hub = await startHub(t, { flushIntervalMs: 5 }, { store });
  // Its metrics declared, so the readings add none: the only bulkWrite on the devices is the flush's.
  await hub.hub.devices.register({ id: 'dev-1', name: 'Meter', transport: 'mqtt', metrics: [{ name: 'power' }, { name: 'energy' }] });
  const conflict = () => labelled('WriteConflict (injected)', 'TransientTransactionError', 112);
  failTimes(db.collection(DEVICES), 'bulkWrite', TRANSACTION_ATTEMPTS, conflict);
  // No device timestamps: the hub stamps the readings when they arrive.
  const outcome = hub.hub.ingest.submit({
    deviceId: 'dev-1',
    seq: 0,
    source: 'mqtt',
    readings: [
      { metric: 'power', value: 7 },
      { metric: 'energy', value: 8 },
    ],
  });
  assert.deepEqual(await outcome.durable, { h: 0 });
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  assert.match(metrics, /^hub_batch_flush_failures_total 1$/m);
  assert.equal(
    db.collection(BUCKETS).docs.reduce((n, d) => n + (d.o as number[]).length, 0),
    2,
  );
  assert.equal((await store.loadDevices())[0].streamH, 0);
  await waitFor('health ok', async () => (await getJson(`${hub.url}/api/health`)).body.status === 'ok');
});

test('a standalone server fails start with an error that says to run a replica set; replica sets and mongos pass', async (t) => {
  const standalone = new MingoDatabase('standalone');
  let closed = false;
  const store = new MongoStore(async () => ({ ...standalone.connection(), close: async () => void (closed = true) }));
  const err = await store.start().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof MongoTransactionsUnsupportedError, `expected MongoTransactionsUnsupportedError, got ${String(err)}`);
  assert.match(err.message, /standalone/);
  assert.match(err.message, /replica set; a single-node one is enough/);
  assert.ok(closed, 'the connection is closed');
  await assert.rejects(
    startHub(t, {}, { store: new MongoStore(async () => new MingoDatabase('standalone').connection()) }),
    MongoTransactionsUnsupportedError,
  );

  for (const topology of ['replicaSet', 'mongos'] as const) {
    const ok = await openOn(new MingoDatabase(topology));
    assert.equal((await ok.health()).ok, true);
    await ok.stop();
  }
});
