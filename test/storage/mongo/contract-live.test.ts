// The store contract against a live MongoDB, when MONGODB_URI names one (docker compose
// --profile test runs this file against the compose file's mongo:7 replica set). Each case gets
// its own database, dropped afterwards. Every flush goes through the adapter's transaction, and
// one more case checks that a real server rolls a failed flush back. Without MONGODB_URI the run
// is not silently skipped: one test is reported as skipped, with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import type { MongoCollection } from '../../../src/storage/mongo/collection.js';
import { connectWithRetry } from '../../../src/storage/mongo/connect.js';
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import { DEVICES } from '../../../src/storage/mongo/registry-documents.js';
import { teardown } from '../../helpers/teardown.js';
import { storeContract } from '../store-contract.js';

const uri = process.env.MONGODB_URI ?? '';

/** Drops a database the tests made on the live server. */
async function dropDatabase(databaseName: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  await client
    .db(databaseName)
    .dropDatabase()
    .finally(() => client.close());
}

if (uri === '') {
  test('live MongoDB contract run', {
    skip: 'MONGODB_URI is not set: no MongoDB server here (set it, for example with `docker compose --profile test run --rm contract`, to run the store contract against a live MongoDB)',
  }, () => {});
} else {
  let run = 0;
  storeContract('live MongoDB', async (t) => {
    const databaseName = `telemetry_contract_${process.pid}_${++run}`;
    teardown(t, () => dropDatabase(databaseName));
    return {
      async open() {
        const store = MongoStore.fromUri(uri, { startTimeoutMs: 10_000, databaseName });
        await store.start();
        return store;
      },
    };
  });

  // The same transaction on a real server, with the failure injected after the heads update ran
  // inside it: the server must roll back both the readings and the head.
  test('live MongoDB: a flush that fails after its heads update leaves neither readings nor head; the retry stores them once', async (t) => {
    const databaseName = `telemetry_atomic_${process.pid}`;
    let failHeads = false;
    const store = new MongoStore(async () => {
      const connection = await connectWithRetry(uri, { startTimeoutMs: 10_000, databaseName });
      const collection = (name: string): MongoCollection => {
        const real = connection.db.collection(name);
        if (name !== DEVICES) return real;
        const bulkWrite: MongoCollection['bulkWrite'] = async (operations, options) => {
          const result = await real.bulkWrite(operations, options);
          if (failHeads) throw new Error('injected failure after the heads update');
          return result;
        };
        return new Proxy(real, { get: (target, key) => (key === 'bulkWrite' ? bulkWrite : Reflect.get(target, key)) });
      };
      return { ...connection, db: { collection, command: (command) => connection.db.command(command) } };
    });
    const t0 = Date.now() - 60_000;
    const device = {
      id: 'dev-1',
      name: 'Meter',
      transport: 'mqtt' as const,
      metrics: [],
      actuators: [],
      presence: 'offline' as const,
      lastSeen: null,
      createdAt: t0,
    };
    const batch = {
      readings: [{ deviceId: 'dev-1', metric: 'power', ts: t0, value: 1 }],
      heads: [{ deviceId: 'dev-1', h: 5 }],
      lastSeen: [],
    };
    teardown(t, () => dropDatabase(databaseName));
    await store.start();
    teardown(t, () => store.stop());
    await store.saveDevice(device);
    failHeads = true;
    await assert.rejects(store.writeBatch(batch), /injected failure/);
    const none = await store.queryRaw({ deviceId: 'dev-1', from: t0, to: t0 + 1, limit: 10 });
    assert.deepEqual([none.readings.length, (await store.loadDevices())[0].streamH], [0, null]);
    failHeads = false;
    assert.deepEqual(await store.writeBatch(batch), { inserted: 1, duplicates: 0 });
    const once = await store.queryRaw({ deviceId: 'dev-1', from: t0, to: t0 + 1, limit: 10 });
    assert.deepEqual([once.readings.length, (await store.loadDevices())[0].streamH], [1, 5]);
  });
}
