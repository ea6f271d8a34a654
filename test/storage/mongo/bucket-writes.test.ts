// What the MongoDB adapter sends and what it leaves in the bucket collection, executed by mingo
// (no MongoDB server can run on this machine; see mingo-db.ts): one bulkWrite per flush, segment
// documents with correct summaries, and no sample stored twice when a reply is lost or another
// writer made the cache stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BSON } from 'mongodb';
import type { Reading } from '../../../src/core/model.js';
import { HOUR_MS, SEGMENT_CAP } from '../../../src/storage/buckets.js';
import { BUCKETS, BUCKET_INDEXES } from '../../../src/storage/mongo/bucket-documents.js';
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import type { WriteBatch } from '../../../src/core/store.js';
import { MingoDatabase, type MingoCollection } from './mingo-db.js';

const T0 = Date.UTC(2026, 10, 20, 10);
const r = (ts: number, value: number, metric = 'temp', deviceId = 'dev-1'): Reading => ({ deviceId, metric, ts, value });
const batch = (readings: Reading[]): WriteBatch => ({ readings, heads: [], lastSeen: [] });

async function openOn(db: MingoDatabase): Promise<MongoStore> {
  const store = new MongoStore(async () => db.connection());
  await store.start();
  return store;
}

function segments(buckets: MingoCollection) {
  return buckets.docs
    .map((d) => ({ d: d.d, m: d.m, s: d.s, g: d.g, n: d.n, u: d.u, lo: d.lo, hi: d.hi, f: d.f, l: d.l, samples: (d.o as number[]).length }))
    .sort((a, b) => (a.g as number) - (b.g as number));
}

test('the bucket collection has a unique index on (device, metric, hour, segment) and one for retention by start', () => {
  const unique = BUCKET_INDEXES.filter((i) => i.unique).map((i) => i.key);
  assert.deepEqual(unique, [{ d: 1, m: 1, s: 1, g: 1 }]);
  assert.ok(BUCKET_INDEXES.some((i) => JSON.stringify(i.key) === JSON.stringify({ s: 1 })));
});

test('a flush is one bulkWrite of upserts, and one query loads the hours it has not cached yet', async () => {
  const db = new MingoDatabase();
  const store = await openOn(db);
  const buckets = db.collection(BUCKETS);
  const readings = ['dev-1', 'dev-2', 'dev-3'].flatMap((d) =>
    ['temp', 'hum'].flatMap((m) => [r(T0 + 1, 1, m, d), r(T0 + HOUR_MS + 1, 2, m, d)]),
  );
  await store.writeBatch(batch(readings));
  assert.deepEqual(
    buckets.sent.map((s) => s.op),
    ['find', 'bulkWrite'],
  );
  const [ops] = buckets.sent[1].args as [Array<{ updateOne: { upsert: boolean; update: Record<string, unknown> } }>];
  assert.equal(ops.length, 12);
  assert.ok(ops.every((op) => op.updateOne.upsert === true));
  assert.deepEqual(Object.keys(ops[0].updateOne.update).sort(), ['$inc', '$max', '$min', '$push']);
  // The same hours again: the cache answers, so only the write goes out.
  buckets.sent.length = 0;
  await store.writeBatch(batch(readings.map((x) => ({ ...x, ts: x.ts + 1 }))));
  assert.deepEqual(
    buckets.sent.map((s) => s.op),
    ['bulkWrite'],
  );
  await store.stop();
});

test('segments hold at most the cap, with count, sum, min, max, first and last by time', async () => {
  const db = new MingoDatabase();
  const store = await openOn(db);
  const n = SEGMENT_CAP * 2 + 37;
  // Arrival order is not time order: every batch runs backwards in time.
  const all = Array.from({ length: n }, (_, i) => r(T0 + (n - i) * 1000, i));
  for (let i = 0; i < n; i += 400) await store.writeBatch(batch(all.slice(i, i + 400)));
  const segs = segments(db.collection(BUCKETS));
  assert.deepEqual(
    segs.map((s) => [s.g, s.n, s.samples]),
    [
      [0, SEGMENT_CAP, SEGMENT_CAP],
      [1, SEGMENT_CAP, SEGMENT_CAP],
      [2, 37, 37],
    ],
  );
  const first = segs[0];
  assert.deepEqual([first.d, first.m, first.s], ['dev-1', 'temp', T0]);
  assert.equal(first.u, ((SEGMENT_CAP - 1) * SEGMENT_CAP) / 2);
  assert.deepEqual([first.lo, first.hi], [0, SEGMENT_CAP - 1]);
  assert.deepEqual(first.f, { t: T0 + (n - SEGMENT_CAP + 1) * 1000, v: SEGMENT_CAP - 1 });
  assert.deepEqual(first.l, { t: T0 + n * 1000, v: 0 });
  await store.stop();
});

test('a full segment with the longest ids is a few kilobytes of BSON, far below the 16 MB document limit', async () => {
  const db = new MingoDatabase();
  const store = await openOn(db);
  const id = 'd'.repeat(64);
  const metric = 'm'.repeat(64);
  // Non-integer values (doubles) and offsets late in the hour: the largest encodings.
  await store.writeBatch(
    batch(Array.from({ length: SEGMENT_CAP }, (_, i) => r(T0 + HOUR_MS - 1 - i * 7, Math.PI * (i + 1) * 1e9, metric, id))),
  );
  const [doc] = db.collection(BUCKETS).docs;
  const bytes = BSON.calculateObjectSize(doc);
  assert.equal((doc.o as number[]).length, SEGMENT_CAP);
  assert.ok(bytes < 32 * 1024, `segment is ${bytes} bytes`);
  await store.stop();
});

test('a flush whose commit reply is lost is retried without storing anything twice; health is degraded meanwhile', async () => {
  const db = new MingoDatabase();
  const store = await openOn(db);
  await store.writeBatch(batch([r(T0, 1)]));
  // The transaction commits, but the hub never learns it did.
  db.loseNextCommitReply = true;
  const second = batch([r(T0 + 1, 2), r(T0 + 2, 3), r(T0 + HOUR_MS, 4)]);
  await assert.rejects(store.writeBatch(second), /connection closed/);
  const health = await store.health();
  assert.equal(health.ok, false);
  assert.match(health.detail ?? '', /last write failed/);
  // The ingest pipeline retries the same batch: the writer reloads what the server holds.
  assert.deepEqual(await store.writeBatch(second), { inserted: 0, duplicates: 3 });
  assert.equal((await store.health()).ok, true);
  const page = await store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + 2 * HOUR_MS, limit: 100 });
  assert.deepEqual(
    page.readings.map((x) => x.value),
    [1, 2, 3, 4],
  );
  await store.stop();
});

test('a writer whose cache went stale gets a duplicate-key error instead of storing a sample twice, then recovers', async () => {
  const db = new MingoDatabase();
  const a = await openOn(db);
  const b = await openOn(db);
  await a.writeBatch(batch([r(T0, 1), r(T0 + 1, 2)]));
  assert.deepEqual(await b.writeBatch(batch([r(T0 + 1, 20), r(T0 + 2, 30)])), { inserted: 1, duplicates: 1 });
  // `a` still believes T0+2 is free: the filter's $nin guard matches nothing and the upsert hits the unique index.
  await assert.rejects(a.writeBatch(batch([r(T0 + 2, 99), r(T0 + 3, 4)])), (err: Error & { code?: number }) => err.code === 11000);
  assert.deepEqual(await a.writeBatch(batch([r(T0 + 2, 99), r(T0 + 3, 4)])), { inserted: 1, duplicates: 1 });
  const page = await a.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + HOUR_MS, limit: 100 });
  assert.deepEqual(
    page.readings.map((x) => x.value),
    [1, 2, 30, 4],
  );
  await a.stop();
  await b.stop();
});

test('a writer whose cache believes a full segment has room overflows correctly after the refusal', async () => {
  const db = new MingoDatabase();
  const a = await openOn(db);
  const b = await openOn(db);
  await a.writeBatch(batch(Array.from({ length: SEGMENT_CAP - 1 }, (_, i) => r(T0 + i, i))));
  await b.writeBatch(batch([r(T0 + SEGMENT_CAP, 1)]));
  await assert.rejects(a.writeBatch(batch([r(T0 + SEGMENT_CAP + 1, 2)])), (err: Error & { code?: number }) => err.code === 11000);
  await a.writeBatch(batch([r(T0 + SEGMENT_CAP + 1, 2)]));
  const segs = segments(db.collection(BUCKETS));
  assert.deepEqual(
    segs.map((s) => [s.g, s.n]),
    [
      [0, SEGMENT_CAP],
      [1, 1],
    ],
  );
  await a.stop();
  await b.stop();
});

test('hour windows are folded from summaries on the server; shorter windows read summaries, then the samples of cut hours', async () => {
  const db = new MingoDatabase();
  const store = await openOn(db);
  await store.writeBatch(batch(Array.from({ length: 48 }, (_, i) => r(T0 + i * 5 * 60_000, i))));
  const buckets = db.collection(BUCKETS);
  buckets.sent.length = 0;
  const hourly = await store.queryAggregate({ deviceId: 'dev-1', from: T0, to: T0 + 4 * HOUR_MS, everyMs: 2 * HOUR_MS, agg: 'sum' });
  assert.deepEqual(
    hourly.map((p) => [p.ts - T0, p.value, p.count]),
    [
      [0, 276, 24],
      [2 * HOUR_MS, 852, 24],
    ],
  );
  assert.deepEqual(
    buckets.sent.map((s) => s.op),
    ['aggregate', 'find'],
  );
  buckets.sent.length = 0;
  await store.queryAggregate({ deviceId: 'dev-1', from: T0, to: T0 + 4 * HOUR_MS, everyMs: 30 * 60_000, agg: 'sum' });
  assert.deepEqual(
    buckets.sent.map((s) => s.op),
    ['find', 'find'],
    'the summaries (to count the samples of hours a boundary cuts), then those samples',
  );
  await store.stop();
});

test('health says degraded while the server cannot be reached and ok once it answers again', async () => {
  const db = new MingoDatabase();
  const store = await openOn(db);
  db.reachable = false;
  const down = await store.health();
  assert.deepEqual([down.ok, down.kind], [false, 'mongodb']);
  assert.match(down.detail ?? '', /MongoDB unreachable/);
  db.reachable = true;
  assert.equal((await store.health()).ok, true);
  await store.stop();
  assert.deepEqual(await store.health(), { ok: false, kind: 'mongodb', detail: 'closed' });
});
