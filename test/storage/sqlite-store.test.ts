import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { HOUR_MS, SEGMENT_CAP } from '../../src/storage/buckets.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

const T0 = Date.UTC(2026, 10, 20, 10);
const reading = (ts: number, value: number, metric = 'm') => ({ deviceId: 'd', metric, ts, value });
const batch = (readings: ReturnType<typeof reading>[]) => ({ readings, heads: [], lastSeen: [] });

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'sqlite-test-'));
}

test('an hour with more samples than a segment holds is split into segments; queries see them all', async () => {
  const dir = tempDir();
  const store = new SqliteStore(dir);
  await store.open();
  const n = SEGMENT_CAP * 2 + 17;
  // Written in many small batches, the way a busy device arrives.
  for (let i = 0; i < n; i += 50) {
    await store.writeBatch(batch(Array.from({ length: Math.min(50, n - i) }, (_, k) => reading(T0 + (i + k) * 1000, i + k))));
  }
  await store.close();
  const db = new BetterSqlite3(join(dir, 'telemetry.db'), { readonly: true });
  const segs = db.prepare('SELECT seg, count FROM buckets ORDER BY seg').all() as Array<{ seg: number; count: number }>;
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  assert.deepEqual(segs, [{ seg: 0, count: SEGMENT_CAP }, { seg: 1, count: SEGMENT_CAP }, { seg: 2, count: 17 }]);

  const reopened = new SqliteStore(dir);
  await reopened.open();
  const [agg] = await reopened.queryAggregate({ deviceId: 'd', metric: 'm', from: T0, to: T0 + HOUR_MS, everyMs: HOUR_MS, agg: 'sum' });
  assert.equal(agg.count, n);
  assert.equal(agg.value, (n * (n - 1)) / 2);
  // Resending the whole hour after a restart stores nothing again.
  const again = await reopened.writeBatch(batch(Array.from({ length: n }, (_, i) => reading(T0 + i * 1000, i))));
  assert.deepEqual(again, { inserted: 0, duplicates: n });
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a failed write leaves no trace: the duplicate check still matches the database', async () => {
  const dir = tempDir();
  const store = new SqliteStore(dir);
  await store.open();
  await store.writeBatch(batch([reading(T0, 1)]));
  // A NULL value violates NOT NULL and aborts the whole transaction, after the first group was written.
  await assert.rejects(store.writeBatch(batch([reading(T0 + 1, 2), reading(T0 + 2, null as unknown as number, 'other')])));
  const retry = await store.writeBatch(batch([reading(T0 + 1, 2)]));
  assert.deepEqual(retry, { inserted: 1, duplicates: 0 }, 'the rolled-back sample must not count as stored');
  const page = await store.queryRaw({ deviceId: 'd', from: T0, to: T0 + HOUR_MS, limit: 10 });
  assert.deepEqual(page.readings.map((r) => r.value), [1, 2]);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('retention drops whole buckets that ended before the cutoff', async () => {
  const dir = tempDir();
  const store = new SqliteStore(dir);
  await store.open();
  await store.writeBatch(batch([reading(T0, 1), reading(T0 + HOUR_MS, 2), reading(T0 + 2 * HOUR_MS + 5, 3)]));
  assert.equal(await store.dropBucketsBefore(T0 + 2 * HOUR_MS), 2);
  const page = await store.queryRaw({ deviceId: 'd', from: 0, to: T0 + 3 * HOUR_MS, limit: 10 });
  assert.deepEqual(page.readings.map((r) => r.value), [3]);
  // Dropped hours can be written again (the cache must not remember them).
  assert.deepEqual(await store.writeBatch(batch([reading(T0, 1)])), { inserted: 1, duplicates: 0 });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
