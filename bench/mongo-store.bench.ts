// MongoDB store. Always: the adapter's own cost per reading (building the bulkWrite, the dedupe
// cache) against a collection that answers at once, so the figure is the hub's CPU share of a
// flush, not the server's. With MONGODB_URI set: ingest throughput and query latency against that
// server (for example `MONGODB_URI=mongodb://localhost:27017/?replicaSet=rs0` with the compose
// file's mongo published), in a scratch database dropped afterwards.
import { MongoClient } from 'mongodb';
import type { Reading } from '../src/core/model.js';
import { MongoBucketWriter } from '../src/storage/mongo/bucket-writer.js';
import type { BulkUpdate, Doc, MongoCollection } from '../src/storage/mongo/collection.js';
import { MongoStore } from '../src/storage/mongo/mongo-store.js';
import { median, report } from './stats.js';

const DEVICES = 20;
const METRICS = ['temperature', 'humidity', 'power'];
const MESSAGES_PER_DEVICE = 2_000;
const BATCH = 500;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** 7 days of one message every 5 minutes per device, in flush-sized batches. */
function batches(): Reading[][] {
  const start = Date.now() - 7 * DAY;
  const all: Reading[] = [];
  for (let i = 0; i < MESSAGES_PER_DEVICE; i++) {
    for (let d = 0; d < DEVICES; d++) {
      for (const [k, metric] of METRICS.entries())
        all.push({ deviceId: `d${d}`, metric, ts: start + i * 300_000 + d, value: Math.sin(i / 10 + k) });
    }
  }
  const out: Reading[][] = [];
  for (let i = 0; i < all.length; i += BATCH) out.push(all.slice(i, i + BATCH));
  return out;
}

function instantCollection(stats: { bulkWrites: number; updates: number }): MongoCollection {
  const none = { toArray: async (): Promise<Doc[]> => [], [Symbol.asyncIterator]: async function* () {} };
  const unused = async (): Promise<never> => {
    throw new Error('not used by the writer');
  };
  return {
    bulkWrite: async (ops: BulkUpdate[]) => {
      stats.bulkWrites += 1;
      stats.updates += ops.length;
      return {};
    },
    find: () => none,
    createIndexes: unused,
    findOne: unused,
    aggregate: () => none,
    updateOne: unused,
    insertMany: unused,
    replaceOne: unused,
    insertOne: unused,
    deleteOne: unused,
    deleteMany: unused,
  };
}

const data = batches();
const readings = data.reduce((n, b) => n + b.length, 0);

const clientRuns: number[] = [];
const stats = { bulkWrites: 0, updates: 0 };
for (let run = 0; run < 5; run++) {
  stats.bulkWrites = 0;
  stats.updates = 0;
  const writer = new MongoBucketWriter(instantCollection(stats));
  const began = performance.now();
  for (const b of data) await writer.write(b);
  clientRuns.push(readings / ((performance.now() - began) / 1000));
}
report('mongo-store.client-side', {
  server: "none: a collection that answers at once (the adapter's own cost)",
  readings,
  batchSize: BATCH,
  readingsPerSecondMedian: Math.round(median(clientRuns)),
  bulkWritesPerFlush: stats.bulkWrites / data.length,
  updatesPerBulkWrite: +(stats.updates / stats.bulkWrites).toFixed(1),
});

const uri = process.env.MONGODB_URI ?? '';
if (uri === '') {
  report('mongo-store.live', { notRun: 'MONGODB_URI is unset; no MongoDB server on this machine' });
} else {
  const databaseName = `telemetry_bench_${process.pid}`;
  const liveRuns: number[] = [];
  let store: MongoStore | null = null;
  for (let run = 0; run < 3; run++) {
    await store?.stop();
    const client = new MongoClient(uri);
    await client.db(databaseName).dropDatabase();
    await client.close();
    store = MongoStore.fromUri(uri, { startTimeoutMs: 10_000, databaseName });
    await store.start();
    const began = performance.now();
    for (const b of data) await store.writeBatch({ readings: b, heads: [], lastSeen: [] });
    liveRuns.push(readings / ((performance.now() - began) / 1000));
  }
  const timeQuery = async (q: () => Promise<unknown>): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      await q();
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const to = Date.now();
  const from = to - 7 * DAY - HOUR;
  const s = store!;
  const hourly = await timeQuery(() =>
    s.queryAggregate({ deviceId: 'd3', metric: 'power', from: from - (from % HOUR), to, everyMs: HOUR, agg: 'avg' }),
  );
  const halfHour = await timeQuery(() =>
    s.queryAggregate({ deviceId: 'd3', metric: 'power', from: from - (from % HOUR), to, everyMs: HOUR / 2, agg: 'avg' }),
  );
  report('mongo-store.live', {
    readings,
    readingsPerSecondMedian: Math.round(median(liveRuns)),
    runs: liveRuns.map(Math.round),
    rawPage1000MedianMs: +(await timeQuery(() => s.queryRaw({ deviceId: 'd3', metric: 'power', from, to, limit: 1000 }))).toFixed(3),
    aggregate1hFromSummariesMedianMs: +hourly.toFixed(3),
    aggregate30mFromSamplesMedianMs: +halfHour.toFixed(3),
  });
  await s.stop();
  const client = new MongoClient(uri);
  await client.db(databaseName).dropDatabase();
  await client.close();
}
