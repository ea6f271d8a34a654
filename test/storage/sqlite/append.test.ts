// The append-then-compact write path of the SQLite store (bucket-writer.ts): writes land in
// `appended` only, a read compacts them into segments and hour summaries first, and a timestamp
// is stored once whether its first copy waits in `appended` or already sits in a segment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { HOUR_MS } from '../../../src/storage/buckets.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { SCHEMA_VERSION } from '../../../src/storage/sqlite/schema.js';
import { tempDir } from '../../helpers/teardown.js';

const T0 = Date.UTC(2026, 10, 20, 10);
const reading = (i: number, metric = 'm') => ({ deviceId: 'd', metric, ts: T0 + i * 10_000, value: (i * 37) % 101 });
const range = (from: number, to: number, metric?: string) => Array.from({ length: to - from }, (_, k) => reading(from + k, metric));
const batch = (readings: ReturnType<typeof reading>[]) => ({ readings, heads: [], lastSeen: [] });

/** Rows of `appended` and of `buckets`, read through a connection of its own. */
function rowCounts(dir: string): { appended: number; segments: number } {
  const db = new BetterSqlite3(join(dir, 'telemetry.db'));
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const counts = { appended: count('appended'), segments: count('buckets') };
  db.close();
  return counts;
}

/** Every aggregation per hour, computed from the readings themselves. */
function expectedHours(readings: ReturnType<typeof reading>[]) {
  const byHour = new Map<number, ReturnType<typeof reading>[]>();
  for (const r of readings) {
    const start = r.ts - (r.ts % HOUR_MS);
    byHour.set(start, [...(byHour.get(start) ?? []), r]);
  }
  return [...byHour].map(([ts, rs]) => {
    const values = rs.sort((a, b) => a.ts - b.ts).map((r) => r.value);
    return {
      ts,
      count: rs.length,
      sum: values.reduce((a, b) => a + b, 0),
      min: Math.min(...values),
      max: Math.max(...values),
      first: values[0],
      last: values.at(-1),
    };
  });
}

async function hours(store: SqliteStore, to: number) {
  const answer = async (agg: 'count' | 'sum' | 'min' | 'max' | 'first' | 'last') =>
    store.queryAggregate({ deviceId: 'd', metric: 'm', from: T0, to, everyMs: HOUR_MS, agg });
  const [count, sum, min, max, first, last] = await Promise.all((['count', 'sum', 'min', 'max', 'first', 'last'] as const).map(answer));
  return count.map((p, i) => ({
    ts: p.ts,
    count: p.value,
    sum: sum[i].value,
    min: min[i].value,
    max: max[i].value,
    first: first[i].value,
    last: last[i].value,
  }));
}

test('a write appends only; a read compacts first and its summaries count every sample', async (t) => {
  const dir = tempDir(t, 'sqlite-append-');
  const store = new SqliteStore(dir);
  await store.start();
  // 500 readings 10 s apart: two hours, written out of order in overlapping batches.
  assert.deepEqual(await store.writeBatch(batch(range(200, 500))), { inserted: 300, duplicates: 0 });
  assert.deepEqual(await store.writeBatch(batch(range(0, 250))), { inserted: 200, duplicates: 50 });
  assert.deepEqual(rowCounts(dir), { appended: 3, segments: 0 }, 'one packed row per hour and write (two, then one), no segment yet');

  const to = T0 + 2 * HOUR_MS;
  assert.deepEqual(await hours(store, to), expectedHours(range(0, 500)));
  assert.deepEqual(rowCounts(dir), { appended: 0, segments: 2 }, 'the read moved them into segments');
  await store.stop();
});

test('a timestamp is stored once, whether its first copy waits in `appended` or sits in a segment', async (t) => {
  const dir = tempDir(t, 'sqlite-append-');
  const store = new SqliteStore(dir);
  await store.start();
  await store.writeBatch(batch(range(0, 100)));
  assert.deepEqual(await store.writeBatch(batch(range(50, 150))), { inserted: 50, duplicates: 50 }, 'against `appended`');
  await store.queryRaw({ deviceId: 'd', from: T0, to: T0 + HOUR_MS, limit: 1 }); // compacts
  assert.deepEqual(await store.writeBatch(batch(range(100, 200))), { inserted: 50, duplicates: 50 }, 'against a segment');
  assert.deepEqual(await store.writeBatch(batch(range(0, 200))), { inserted: 0, duplicates: 200 }, 'against both');
  const before = await hours(store, T0 + HOUR_MS);
  await store.stop();

  // Reopened, the writer knows nothing until it reads the hour back from its segments.
  const reopened = new SqliteStore(dir);
  await reopened.start();
  assert.deepEqual(await reopened.writeBatch(batch(range(0, 200))), { inserted: 0, duplicates: 200 });
  assert.deepEqual(await hours(reopened, T0 + HOUR_MS), before);
  assert.deepEqual(before, expectedHours(range(0, 200)));
  const { readings } = await reopened.queryRaw({ deviceId: 'd', from: T0, to: T0 + HOUR_MS, limit: 1_000 });
  assert.deepEqual(
    readings.map((r) => r.ts),
    range(0, 200).map((r) => r.ts),
  );
  await reopened.stop();
});

test('compaction after a write keeps summaries whole while writes go on', async (t) => {
  const dir = tempDir(t, 'sqlite-append-');
  const store = new SqliteStore(dir, { compactAt: 120, compactGapMs: 0 });
  await store.start();
  for (let i = 0; i < 700; i += 50) {
    await store.writeBatch(batch(range(i, i + 50)));
    await new Promise((resolve) => setImmediate(resolve)); // the compaction a write schedules runs here
  }
  assert.ok(rowCounts(dir).appended < 3, 'compacted along the way, not only when read');
  assert.deepEqual(await hours(store, T0 + 2 * HOUR_MS), expectedHours(range(0, 700)));
  await store.stop();
});

test('a data directory of schema 3 (no `appended`) opens, keeps its readings and refuses them again', async (t) => {
  const dir = tempDir(t, 'sqlite-append-');
  const store = new SqliteStore(dir);
  await store.start();
  await store.writeBatch(batch([...range(0, 600), ...range(0, 300, 'other')]));
  const before = await hours(store, T0 + 2 * HOUR_MS);
  await store.stop();
  // What a hub of schema 3 left behind: the same tables without `appended`.
  const old = new BetterSqlite3(join(dir, 'telemetry.db'));
  old.exec("DROP TABLE appended; UPDATE meta SET value = '3' WHERE key = 'schema_version'");
  old.close();

  const upgraded = new SqliteStore(dir);
  await upgraded.start();
  assert.deepEqual(await hours(upgraded, T0 + 2 * HOUR_MS), before);
  assert.deepEqual(await upgraded.writeBatch(batch(range(0, 700))), { inserted: 100, duplicates: 600 });
  assert.deepEqual(await hours(upgraded, T0 + 2 * HOUR_MS), expectedHours(range(0, 700)));
  await upgraded.stop();
  const db = new BetterSqlite3(join(dir, 'telemetry.db'));
  assert.equal(
    (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value,
    String(SCHEMA_VERSION),
  );
  db.close();
});
