// Compaction in slices (compaction.ts): a pass moves a few hours per transaction and lets writes
// in between, deletes exactly the rows it moved from `appended`, and a read still sees every
// sample. Rows a previous life left in `appended` that repeat stored samples are deleted, not kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { HOUR_MS } from '../../../src/storage/buckets.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { tempDir } from '../../helpers/teardown.js';

const T0 = Date.UTC(2026, 10, 20, 10);
/** Reading i of a series: one every 10 minutes, so six per hour. */
const reading = (i: number, metric = 'm') => ({ deviceId: 'd', metric, ts: T0 + i * 600_000, value: (i * 37) % 101 });
const range = (from: number, to: number, metric?: string) => Array.from({ length: to - from }, (_, k) => reading(from + k, metric));
const batch = (readings: ReturnType<typeof reading>[]) => ({ readings, heads: [], lastSeen: [] });
const turn = () => new Promise((resolve) => setImmediate(resolve));

function appendedRows(dir: string): number {
  const db = new BetterSqlite3(join(dir, 'telemetry.db'));
  const n = (db.prepare('SELECT COUNT(*) AS n FROM appended').get() as { n: number }).n;
  db.close();
  return n;
}

async function countsPerHour(store: SqliteStore, metric: string, hours: number): Promise<number[]> {
  const points = await store.queryAggregate({ deviceId: 'd', metric, from: T0, to: T0 + hours * HOUR_MS, everyMs: HOUR_MS, agg: 'count' });
  return points.map((p) => p.value);
}

test('a pass moves a slice of hours per turn; writes between slices go in, and a read sees every sample once', async (t) => {
  const dir = tempDir(t, 'sqlite-compaction-');
  // 100 hours of two series, six samples each: a pass of 1,200 samples in slices of about 30, one
  // per turn (no gap), so the test can count them.
  const store = new SqliteStore(dir, { compactAt: 1_000, compactSlice: 30, compactGapMs: 0 });
  await store.start();
  await store.writeBatch(batch([...range(0, 600), ...range(0, 600, 'other')]));
  assert.equal(store.compacting, true, 'a pass starts after the write that passed compactAt');
  const before = appendedRows(dir);
  await turn();
  await turn();
  const after = appendedRows(dir);
  assert.ok(after < before && after > 0, `two slices moved some hours, not all (${before} → ${after} rows)`);

  // A write while the pass is under way: new samples in hours moved and not moved yet, and repeats.
  const written = await store.writeBatch(batch([...range(0, 700), ...range(590, 610, 'other')]));
  assert.deepEqual(written, { inserted: 110, duplicates: 610 });
  assert.equal(store.compacting, true, 'the write did not wait for the pass');
  assert.equal(store.durability().synchronous, 2, 'writes commit with synchronous=FULL between slices');

  assert.deepEqual(await countsPerHour(store, 'm', 117), Array(116).fill(6).concat(4));
  assert.deepEqual(await countsPerHour(store, 'other', 102), Array(101).fill(6).concat(4));
  assert.equal(appendedRows(dir), 0, 'the read compacted the rest');
  assert.deepEqual(await store.writeBatch(batch(range(0, 700))), { inserted: 0, duplicates: 700 });
  await store.stop();
});

test('a slice waits its gap after a write or slice; a write moves the next slice back once, not for good', async (t) => {
  const dir = tempDir(t, 'sqlite-compaction-');
  // Timers fire late under load, never early: every "not yet" below is certain; each "by now"
  // has 150 ms of slack.
  const store = new SqliteStore(dir, { compactAt: 100, compactSlice: 30, compactGapMs: 300 });
  await store.start();
  const started = performance.now();
  const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - performance.now())));
  await store.writeBatch(batch(range(0, 120)));
  const rows = appendedRows(dir);
  assert.equal(store.compacting, true);
  await at(150);
  assert.equal(appendedRows(dir), rows, 'no slice before its gap');
  await store.writeBatch(batch(range(120, 121))); // moves the slice from 300 to 450
  const withWrite = appendedRows(dir);
  await at(400);
  assert.equal(appendedRows(dir), withWrite, 'the write moved the slice back');
  await store.writeBatch(batch(range(121, 122))); // may not move it again: the slice stays at 450
  const beforeSlice = appendedRows(dir);
  await at(600);
  assert.ok(appendedRows(dir) < beforeSlice, 'a second write did not hold the slice off');
  await store.stop();
});

test('rows a previous life left in `appended` are compacted at start; those holding stored samples only are deleted', async (t) => {
  const dir = tempDir(t, 'sqlite-compaction-');
  const store = new SqliteStore(dir);
  await store.start();
  await store.writeBatch(batch(range(0, 12)));
  await countsPerHour(store, 'm', 2); // compacts
  await store.stop();
  // What a crash between a write's commit and its compaction's could leave: a row of samples
  // already in segments (a repeat), and one half new.
  const db = new BetterSqlite3(join(dir, 'telemetry.db'));
  const insert = db.prepare('INSERT INTO appended (device, metric, start, samples) VALUES (?, ?, ?, ?)');
  const pack = (from: number, to: number) =>
    Buffer.concat(
      range(from, to).map((r) => {
        const b = Buffer.alloc(12);
        b.writeUInt32LE(r.ts - T0 - Math.floor(from / 6) * HOUR_MS, 0);
        b.writeDoubleLE(r.value, 4);
        return b;
      }),
    );
  insert.run('d', 'm', T0, pack(0, 6));
  insert.run('d', 'm', T0 + HOUR_MS, pack(6, 12));
  insert.run('d', 'm', T0 + 2 * HOUR_MS, pack(12, 18));
  db.close();

  const reopened = new SqliteStore(dir);
  await reopened.start();
  assert.equal(appendedRows(dir), 0, 'every row is gone, the repeats too');
  assert.deepEqual(await countsPerHour(reopened, 'm', 3), [6, 6, 6]);
  assert.deepEqual(await reopened.writeBatch(batch(range(0, 18))), { inserted: 0, duplicates: 18 });
  await reopened.stop();
});
