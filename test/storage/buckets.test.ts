import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOUR_MS, bucketStart, groupByBucket, mergeSummaries, packSamples, summarize, unpackSamples } from '../../src/storage/buckets.js';

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

test('bucketStart aligns to the UTC hour, whatever the minutes and milliseconds', () => {
  assert.equal(bucketStart(T0), T0);
  assert.equal(bucketStart(T0 + 59 * 60_000 + 59_999), T0);
  assert.equal(bucketStart(T0 + HOUR_MS), T0 + HOUR_MS);
  assert.equal(bucketStart(T0 - 1), T0 - HOUR_MS);
  // Time zones with half-hour offsets must not leak in: buckets are UTC hours.
  assert.equal(new Date(bucketStart(Date.UTC(2026, 2, 29, 1, 30))).toISOString(), '2026-03-29T01:00:00.000Z');
});

test('samples survive packing: offsets within the hour and float64 values', () => {
  const samples = [
    { t: T0, v: 0 },
    { t: T0 + 1, v: -1.5 },
    { t: T0 + HOUR_MS - 1, v: 1e15 },
    { t: T0 + 1234, v: 0.1 + 0.2 },
  ];
  const packed = packSamples(T0, samples);
  assert.equal(packed.length, samples.length * 12);
  assert.deepEqual(unpackSamples(T0, packed), samples);
  // A Uint8Array view with an offset (as drivers hand back) decodes the same.
  const shifted = new Uint8Array(packed.length + 3);
  shifted.set(packed, 3);
  assert.deepEqual(unpackSamples(T0, shifted.subarray(3)), samples);
});

test('summaries take first and last by timestamp, not by arrival', () => {
  const s = summarize([
    { t: T0 + 5_000, v: 5 },
    { t: T0 + 1_000, v: 1 },
    { t: T0 + 9_000, v: 9 },
    { t: T0 + 3_000, v: -3 },
  ]);
  // The rise is taken in time order (1, -3, 5, 9): the drop to -3 is a reset, so -3 + 8 + 4.
  assert.deepEqual(s, { count: 4, sum: 12, min: -3, max: 9, firstT: T0 + 1_000, firstV: 1, lastT: T0 + 9_000, lastV: 9, rise: 9 });
  assert.throws(() => summarize([]), /empty/);
});

test('merging summaries equals summarizing the union', () => {
  const a = [
    { t: T0 + 10, v: 4 },
    { t: T0 + 30, v: 2 },
  ];
  const b = [
    { t: T0 + 5, v: 7 },
    { t: T0 + 20, v: -1 },
  ];
  // Interleaved in time, the merged rise is unknown (null): only samples can tell it.
  assert.deepEqual(mergeSummaries(summarize(a), summarize(b)), { ...summarize([...a, ...b]), rise: null });
  assert.deepEqual(mergeSummaries(summarize(b), summarize(a)), { ...summarize([...a, ...b]), rise: null });
  // One after the other, it is both rises plus the one across: 4 -> 2 (reset, 2), 2 -> 7 (5), 7 -> -1 (reset, -1).
  const later = b.map((x) => ({ t: x.t + 100, v: x.v }));
  assert.deepEqual(mergeSummaries(summarize(a), summarize(later)), summarize([...a, ...later]));
  assert.equal(summarize([...a, ...later]).rise, 6);
});

test('groupByBucket splits at hour edges and drops repeats inside one batch', () => {
  const r = (metric: string, ts: number, value: number) => ({ deviceId: 'd1', metric, ts, value });
  const groups = [
    ...groupByBucket([
      r('temp', T0 - 1, 1),
      r('temp', T0, 2),
      r('temp', T0, 99), // same device, metric and timestamp: the first one wins
      r('hum', T0, 3),
      r('temp', T0 + HOUR_MS, 4),
    ]).values(),
  ];
  const summary = groups.map((g) => [g.metric, new Date(g.start).toISOString(), g.samples.map((s) => s.v)]);
  assert.deepEqual(summary, [
    ['temp', '2026-11-21T09:00:00.000Z', [1]],
    ['temp', '2026-11-21T10:00:00.000Z', [2]],
    ['hum', '2026-11-21T10:00:00.000Z', [3]],
    ['temp', '2026-11-21T11:00:00.000Z', [4]],
  ]);
});
