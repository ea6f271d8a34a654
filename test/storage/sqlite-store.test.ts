import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { HOUR_MS, SEGMENT_CAP } from '../../src/storage/buckets.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { SCHEMA_VERSION } from '../../src/storage/sqlite/schema.js';
import { WindowFolder, fixedGrid } from '../../src/storage/windows.js';
import { tempDir } from '../helpers/teardown.js';

const T0 = Date.UTC(2026, 10, 20, 10);
const reading = (ts: number, value: number, metric = 'm') => ({ deviceId: 'd', metric, ts, value });
const batch = (readings: ReturnType<typeof reading>[]) => ({ readings, heads: [], lastSeen: [] });

test('an hour with more samples than a segment holds is split into segments; queries see them all', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  const n = SEGMENT_CAP * 2 + 17;
  // Written in many small batches, the way a busy device arrives.
  for (let i = 0; i < n; i += 50) {
    await store.writeBatch(batch(Array.from({ length: Math.min(50, n - i) }, (_, k) => reading(T0 + (i + k) * 1000, i + k))));
  }
  await store.stop();
  const db = new BetterSqlite3(join(dir, 'telemetry.db'), { readonly: true });
  const segs = db.prepare('SELECT seg, count FROM buckets ORDER BY seg').all() as Array<{ seg: number; count: number }>;
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  assert.deepEqual(segs, [
    { seg: 0, count: SEGMENT_CAP },
    { seg: 1, count: SEGMENT_CAP },
    { seg: 2, count: 17 },
  ]);

  const reopened = new SqliteStore(dir);
  await reopened.start();
  const [agg] = await reopened.queryAggregate({ deviceId: 'd', metric: 'm', from: T0, to: T0 + HOUR_MS, everyMs: HOUR_MS, agg: 'sum' });
  assert.equal(agg.count, n);
  assert.equal(agg.value, (n * (n - 1)) / 2);
  // Resending the whole hour after a restart stores nothing again.
  const again = await reopened.writeBatch(batch(Array.from({ length: n }, (_, i) => reading(T0 + i * 1000, i))));
  assert.deepEqual(again, { inserted: 0, duplicates: n });
  await reopened.stop();
});

test('the store syncs every commit: WAL with synchronous=FULL, so an acked batch survives a power cut', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  // Read back from the store's own connection: the level is per connection, not kept in the file.
  assert.deepEqual(store.durability(), { journalMode: 'wal', synchronous: 2 });
  await store.stop();
});

test('a failed write leaves no trace: the duplicate check still matches the database', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  await store.writeBatch(batch([reading(T0, 1)]));
  // A value that is not a number aborts the whole transaction, after the first group was written.
  await assert.rejects(store.writeBatch(batch([reading(T0 + 1, 2), reading(T0 + 2, null as unknown as number, 'other')])));
  const retry = await store.writeBatch(batch([reading(T0 + 1, 2)]));
  assert.deepEqual(retry, { inserted: 1, duplicates: 0 }, 'the rolled-back sample must not count as stored');
  const page = await store.queryRaw({ deviceId: 'd', from: T0, to: T0 + HOUR_MS, limit: 10 });
  assert.deepEqual(
    page.readings.map((r) => r.value),
    [1, 2],
  );
  await store.stop();
});

test('retention drops whole buckets that ended before the cutoff', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  await store.writeBatch(batch([reading(T0, 1), reading(T0 + HOUR_MS, 2), reading(T0 + 2 * HOUR_MS + 5, 3)]));
  assert.equal(await store.dropBucketsBefore(T0 + 2 * HOUR_MS), 2);
  const page = await store.queryRaw({ deviceId: 'd', from: 0, to: T0 + 3 * HOUR_MS, limit: 10 });
  assert.deepEqual(
    page.readings.map((r) => r.value),
    [3],
  );
  const hourly = await store.queryAggregate({ deviceId: 'd', metric: 'm', from: T0, to: T0 + 3 * HOUR_MS, everyMs: HOUR_MS, agg: 'sum' });
  assert.deepEqual(
    hourly.map((p) => p.value),
    [3],
    'the hour summaries went with their buckets',
  );
  // Dropped hours can be written again (the cache must not remember them).
  assert.deepEqual(await store.writeBatch(batch([reading(T0, 1)])), { inserted: 1, duplicates: 0 });
  await store.stop();
});

test('whole-hour windows from hour summaries equal the same windows folded from every sample', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  // Three days of one reading every 7 s for two metrics (several segments per hour), written
  // newest batch first so summaries cannot rely on arrival order; integer values keep sums exact.
  const start = Date.UTC(2026, 10, 17, 0);
  const readings = Array.from({ length: Math.floor((3 * 24 * HOUR_MS) / 7_000) }, (_, i) => [
    reading(start + i * 7_000, (i * 37) % 101, 'a'),
    reading(start + i * 7_000, (i * 53) % 97, 'b'),
  ]).flat();
  for (let end = readings.length; end > 0; end -= 2_000) await store.writeBatch(batch(readings.slice(Math.max(0, end - 2_000), end)));

  const from = start + 5 * HOUR_MS + 123_456; // starts and ends inside a bucket
  const to = start + 70 * HOUR_MS + 654_321;
  const raw = readings.filter((r) => r.ts >= from && r.ts < to);
  for (const everyMs of [HOUR_MS, 2 * HOUR_MS, 6 * HOUR_MS, 24 * HOUR_MS]) {
    for (const agg of ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const) {
      for (const metric of ['a', undefined]) {
        const folder = new WindowFolder(fixedGrid(everyMs), from, to);
        for (const r of raw) if (metric === undefined || r.metric === metric) folder.addSample(r.metric, r.ts, r.value);
        const got = await store.queryAggregate({ deviceId: 'd', metric, from, to, everyMs, agg });
        assert.deepEqual(got, folder.points(agg), `every ${everyMs / HOUR_MS} h, ${agg}, metric ${metric ?? 'all'}`);
      }
    }
  }
  await store.stop();
});

test('a data directory of schema 1 (no hour summaries) is brought up to date at open', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  // 1,010 readings 5 s apart: the first hour holds two segments, the second one.
  const readings = Array.from({ length: SEGMENT_CAP * 2 + 10 }, (_, i) => reading(T0 + i * 5_000, i));
  await store.writeBatch(batch(readings.reverse()));
  const aggs = ['first', 'last', 'count', 'sum', 'min', 'max'] as const;
  const query = (s: SqliteStore, agg: (typeof aggs)[number], everyMs = HOUR_MS) =>
    s.queryAggregate({ deviceId: 'd', metric: 'm', from: T0, to: T0 + 2 * HOUR_MS, everyMs, agg });
  const expected = await Promise.all(aggs.map((agg) => query(store, agg)));
  await store.stop();
  // What a hub of schema 1 left behind: segments only.
  const old = new BetterSqlite3(join(dir, 'telemetry.db'));
  old.exec("DROP TABLE hours; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  old.close();

  const upgraded = new SqliteStore(dir);
  await upgraded.start();
  assert.deepEqual(await Promise.all(aggs.map((agg) => query(upgraded, agg))), expected);
  assert.deepEqual(
    expected[2].map((p) => p.value),
    [720, 290],
  );
  const [both] = await query(upgraded, 'last', 2 * HOUR_MS);
  assert.deepEqual([both.value, both.count], [SEGMENT_CAP * 2 + 9, SEGMENT_CAP * 2 + 10]);
  // Writing on continues the upgraded summaries.
  await upgraded.writeBatch(batch([reading(T0 + HOUR_MS + 1, 1_000_000)]));
  const [, second] = await upgraded.queryAggregate({
    deviceId: 'd',
    metric: 'm',
    from: T0,
    to: T0 + 2 * HOUR_MS,
    everyMs: HOUR_MS,
    agg: 'max',
  });
  assert.equal(second.value, 1_000_000);
  await upgraded.stop();
  const db = new BetterSqlite3(join(dir, 'telemetry.db'), { readonly: true });
  assert.equal(
    (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value,
    String(SCHEMA_VERSION),
  );
  db.close();
});

test('a data directory of schema 2 (hours without rise) answers increase from samples, then keeps rises', async (t) => {
  const dir = tempDir(t, 'sqlite-test-');
  const store = new SqliteStore(dir);
  await store.start();
  // A counter over two hours, one sample a minute, rising by 1.
  await store.writeBatch(batch(Array.from({ length: 120 }, (_, i) => reading(T0 + i * 60_000, i))));
  await store.stop();
  const old = new BetterSqlite3(join(dir, 'telemetry.db'));
  old.exec("ALTER TABLE hours DROP COLUMN rise; UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  old.close();

  const upgraded = new SqliteStore(dir);
  await upgraded.start();
  const increase = (maxSamples: number, hours = 2) =>
    upgraded.queryAggregate({
      deviceId: 'd',
      metric: 'm',
      from: T0,
      to: T0 + hours * HOUR_MS,
      everyMs: HOUR_MS,
      agg: 'increase',
      maxSamples,
    });
  // The old hours' rises are unknown: their 120 samples are read, and the answer is the same.
  await assert.rejects(increase(119), /would read 120 samples/);
  assert.deepEqual(
    (await increase(120)).map((p) => p.value),
    [59, 60],
  );
  // A new hour written in order keeps its rise: only the two old hours need samples.
  await upgraded.writeBatch(batch(Array.from({ length: 60 }, (_, i) => reading(T0 + 2 * HOUR_MS + i * 60_000, 120 + i))));
  assert.deepEqual(
    (await increase(120, 3)).map((p) => p.value),
    [59, 60, 60],
  );
  await upgraded.stop();
});

test('a batch of presence changes is one transaction: a change SQLite refuses leaves none of the batch stored', async (t) => {
  const store = new SqliteStore(tempDir(t, 'sqlite-test-'));
  await store.start();
  t.after(() => store.stop());
  const change = (deviceId: string, reason: string) => ({
    deviceId,
    state: 'online' as const,
    previous: 'unknown' as const,
    ts: T0,
    reason,
  });
  // A reason of null breaks the table's NOT NULL; no caller sends one, it only makes the third insert fail.
  const broken = { ...change('d3', 'x'), reason: null as unknown as string };
  await assert.rejects(store.appendPresence([change('d1', 'a'), change('d2', 'b'), broken]), /NOT NULL/);
  assert.deepEqual(await store.presenceHistory('d1', 10), []);
  assert.deepEqual(await store.presenceHistory('d2', 10), []);
  await store.appendPresence([change('d1', 'a')]);
  assert.equal((await store.presenceHistory('d1', 10)).length, 1);
});
