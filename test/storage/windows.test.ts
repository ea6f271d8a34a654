import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOUR_MS, summarize } from '../../src/storage/buckets.js';
import { TooManyWindowsError } from '../../src/core/store.js';
import { WindowFolder, decodeCursor, encodeCursor, fixedGrid, summaryCoversBucket, windowStart } from '../../src/storage/windows.js';

const T0 = Date.UTC(2026, 10, 21, 0, 0, 0);
const MIN = 60_000;

test('windows align to UTC multiples of their size since the epoch', () => {
  assert.equal(windowStart(T0 + 7 * MIN + 3, 5 * MIN), T0 + 5 * MIN);
  assert.equal(windowStart(T0 + 23 * HOUR_MS, 86_400_000), T0);
  // 90-minute windows do not restart at every hour.
  assert.equal(windowStart(T0 + 2 * HOUR_MS, 90 * MIN), T0 + 90 * MIN);
});

test('a window crossing a bucket edge gathers samples from both buckets', () => {
  const folder = new WindowFolder(fixedGrid(30 * MIN), T0, T0 + 4 * HOUR_MS);
  // The 00:45-01:15 span is split across the 00:00 and 01:00 buckets; windows are 00:30-01:00 and 01:00-01:30.
  folder.addSample('t', T0 + 45 * MIN, 1);
  folder.addSample('t', T0 + 59 * MIN, 3);
  folder.addSample('t', T0 + 60 * MIN, 10);
  folder.addSample('t', T0 + 75 * MIN, 20);
  assert.deepEqual(folder.points('avg'), [
    { metric: 't', ts: T0 + 30 * MIN, value: 2, count: 2 },
    { metric: 't', ts: T0 + 60 * MIN, value: 15, count: 2 },
  ]);
});

test('empty windows are left out, out-of-order samples land where their time says', () => {
  const folder = new WindowFolder(fixedGrid(HOUR_MS), T0, T0 + 5 * HOUR_MS);
  folder.addSample('t', T0 + 4 * HOUR_MS + 5, 7);
  folder.addSample('t', T0 + 10, 1);
  folder.addSample('t', T0 + 4 * HOUR_MS + 1, 5);
  const points = folder.points('first');
  assert.deepEqual(
    points.map((p) => [p.ts, p.value]),
    [
      [T0, 1],
      [T0 + 4 * HOUR_MS, 5],
    ],
  );
  assert.deepEqual(
    folder.points('last').map((p) => p.value),
    [1, 7],
  );
});

test('samples outside [from, to) are ignored: to is exclusive', () => {
  const folder = new WindowFolder(fixedGrid(MIN), T0, T0 + MIN);
  folder.addSample('t', T0 - 1, 100);
  folder.addSample('t', T0, 1);
  folder.addSample('t', T0 + MIN, 100);
  assert.deepEqual(folder.points('sum'), [{ metric: 't', ts: T0, value: 1, count: 1 }]);
});

test('bucket summaries give the same answer as their samples for every aggregation', () => {
  const samples = [
    { t: T0 + 10, v: 4 },
    { t: T0 + 2000, v: -2 },
    { t: T0 + HOUR_MS - 1, v: 9 },
    { t: T0 + 5, v: 1 },
  ];
  const second = [{ t: T0 + HOUR_MS + 1, v: 3 }];
  for (const agg of ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const) {
    const bySamples = new WindowFolder(fixedGrid(2 * HOUR_MS), T0, T0 + 2 * HOUR_MS);
    for (const s of [...samples, ...second]) bySamples.addSample('m', s.t, s.v);
    const bySummary = new WindowFolder(fixedGrid(2 * HOUR_MS), T0, T0 + 2 * HOUR_MS);
    bySummary.addSummary('m', T0, summarize(samples));
    bySummary.addSummary('m', T0 + HOUR_MS, summarize(second));
    assert.deepEqual(bySummary.points(agg), bySamples.points(agg), agg);
  }
});

test('a summary may stand in only for whole buckets inside the range and whole-hour windows', () => {
  assert.equal(summaryCoversBucket(T0, HOUR_MS, T0, T0 + HOUR_MS), true);
  assert.equal(summaryCoversBucket(T0, 86_400_000, T0, T0 + 86_400_000), true);
  assert.equal(summaryCoversBucket(T0, 30 * MIN, T0, T0 + HOUR_MS), false, 'window smaller than a bucket');
  assert.equal(summaryCoversBucket(T0, 90 * MIN, T0, T0 + 3 * HOUR_MS), false, 'window not a whole number of hours');
  assert.equal(summaryCoversBucket(T0, HOUR_MS, T0 + 1, T0 + HOUR_MS), false, 'range starts inside the bucket');
  assert.equal(summaryCoversBucket(T0, HOUR_MS, T0, T0 + HOUR_MS - 1), false, 'range ends inside the bucket');
});

test('cursors round-trip and garbage does not decode', () => {
  assert.deepEqual(decodeCursor(encodeCursor(T0, 'temp')), { ts: T0, metric: 'temp' });
  assert.equal(decodeCursor('not-a-cursor'), null);
  assert.equal(decodeCursor(Buffer.from('[1.5,"x"]').toString('base64url')), null);
  assert.equal(decodeCursor(Buffer.from('{"a":1}').toString('base64url')), null);
});

test('a folder refuses to grow past its window limit with an error that says what to change', () => {
  const folder = new WindowFolder(fixedGrid(1_000), T0, T0 + HOUR_MS, 3);
  for (let i = 0; i < 3; i++) folder.addSample('m', T0 + i * 1_000, i);
  folder.addSample('m', T0 + 2_500, 9); // an existing window still takes samples
  assert.throws(
    () => folder.addSample('m', T0 + 3_000, 3),
    (err: unknown) =>
      err instanceof TooManyWindowsError && /more than 3 windows; choose a larger every or a shorter range/.test(err.message),
  );
  assert.deepEqual(
    folder.points('count').map((p) => p.value),
    [1, 1, 2],
  );
});
