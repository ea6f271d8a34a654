// The store contract against a live MongoDB, when MONGODB_URI names one (docker compose
// --profile test runs this file against the compose file's mongo:7 replica set). Each case gets
// its own database, dropped afterwards. Without MONGODB_URI the run is not silently skipped: one
// test says it did not run and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import { storeContract } from '../store-contract.js';

const uri = process.env.MONGODB_URI ?? '';

if (uri === '') {
  test('live MongoDB contract run: NOT RUN because MONGODB_URI is unset (no MongoDB server on this machine)', (t) => {
    assert.equal(process.env.MONGODB_URI ?? '', '');
    t.diagnostic('Set MONGODB_URI (for example `docker compose --profile test run --rm contract`) to run the store contract against a live MongoDB.');
  });
} else {
  let run = 0;
  storeContract('live MongoDB', async () => {
    const databaseName = `telemetry_contract_${process.pid}_${++run}`;
    return {
      async open() {
        const store = MongoStore.fromUri(uri, { startTimeoutMs: 10_000, databaseName });
        await store.open();
        return store;
      },
      async cleanup() {
        const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
        try {
          await client.db(databaseName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
}
