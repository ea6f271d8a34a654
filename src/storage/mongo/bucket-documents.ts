// The bucket collection's documents, filters, update documents and aggregation pipelines, built
// as plain objects and nothing else. The adapter sends exactly these objects to MongoDB, and the
// tests under test/storage execute the same objects with mingo (an independent implementation of
// MongoDB's query language), so what only a live server can check stays small.
//
// One document is one segment of a (device, metric, UTC hour) bucket, with short field names:
//   d device id, m metric, s bucket start (Unix ms), g segment number (0, 1, ... overflow),
//   n count, u sum, lo min, hi max, f first {t, v}, l last {t, v},
//   o sample offsets from s (ms), v sample values (parallel arrays, same order),
//   r the counter rises (counters.ts) of the segment's samples, each from the hour's sample before
//     it, x 1 once a sample came out of time order (the hour's rise is then read from samples).
// A segment written before r was kept lacks it; an hour with such a segment has no known rise.
// A segment holds at most SEGMENT_CAP samples (about 10 kB, far below the 16 MB document limit);
// past the cap the next segment starts.
import { HOUR_MS, SEGMENT_CAP, bucketStart, type Sample } from '../buckets.js';
import type { AggregateQuery } from '../../core/store.js';
import type { IndexSpec } from './collection.js';
import { coveredRange } from '../windows.js';

export interface BucketDoc {
  d: string;
  m: string;
  s: number;
  g: number;
  n: number;
  u: number;
  lo: number;
  hi: number;
  f: { t: number; v: number };
  l: { t: number; v: number };
  o: number[];
  v: number[];
  r?: number;
  x?: 1;
}

export type Filter = Record<string, unknown>;

export const BUCKETS = 'buckets';

export const BUCKET_INDEXES: IndexSpec[] = [
  // One document per segment; also the guard that turns a stale write into an error (see below).
  { key: { d: 1, m: 1, s: 1, g: 1 }, name: 'bucket_segment', unique: true },
  // Queries over all metrics of a device.
  { key: { d: 1, s: 1 }, name: 'device_time' },
  // Retention deletes whole hours by start.
  { key: { s: 1 }, name: 'start' },
];

/**
 * Appends samples to one segment, creating it when it does not exist (upsert: the equality
 * fields d, m, s, g seed the new document). Dedupe is decided before this by the writer's cache
 * of stored timestamps; the filter repeats the decision so a stale cache cannot store a sample
 * twice or overfill a segment: when the segment already holds one of these offsets, or has no
 * room left, the filter matches nothing, the upsert tries to insert a second (d, m, s, g)
 * document and the unique index refuses it (E11000). The writer then reloads and retries.
 * `$min`/`$max` on {t, v} pick first/last by time because documents compare field by field.
 */
export function segmentAppend(
  deviceId: string,
  metric: string,
  start: number,
  seg: number,
  samples: readonly Sample[],
  rise: number | null = null,
): {
  filter: Filter;
  update: Record<string, unknown>;
} {
  const offsets = samples.map((x) => x.t - start);
  const values = samples.map((x) => x.v);
  let first = samples[0];
  let last = samples[0];
  for (const x of samples) {
    if (x.t < first.t) first = x;
    if (x.t > last.t) last = x;
  }
  return {
    filter: { d: deviceId, m: metric, s: start, g: seg, n: { $lte: SEGMENT_CAP - samples.length }, o: { $nin: offsets } },
    update: {
      $inc: { n: samples.length, u: values.reduce((a, b) => a + b, 0), ...(rise !== null && { r: rise }) },
      $min: { lo: Math.min(...values), f: { t: first.t, v: first.v } },
      $max: { hi: Math.max(...values), l: { t: last.t, v: last.v } },
      $push: { o: { $each: offsets }, v: { $each: values } },
      ...(rise === null ? { $set: { x: 1 } } : {}),
    },
  };
}

/** One query for the stored state of every hour the writer has not cached yet. */
export function hourStateQuery(hours: ReadonlyArray<{ deviceId: string; metric: string; start: number }>): {
  filter: Filter;
  projection: Record<string, 1 | 0>;
} {
  return {
    filter: { $or: hours.map((h) => ({ d: h.deviceId, m: h.metric, s: h.start })) },
    projection: { _id: 0, d: 1, m: 1, s: 1, g: 1, n: 1, o: 1, l: 1, r: 1, x: 1 },
  };
}

function seriesFilter(deviceId: string, metric: string | undefined): Filter {
  return metric === undefined ? { d: deviceId } : { d: deviceId, m: metric };
}

/** Segments from the hour holding `from` up to `to`, in hour order; the reader sorts inside an hour. */
export function rawRangeQuery(
  deviceId: string,
  metric: string | undefined,
  from: number,
  to: number,
): {
  filter: Filter;
  sort: Record<string, 1>;
  projection: Record<string, 0 | 1>;
} {
  return {
    filter: { ...seriesFilter(deviceId, metric), s: { $gte: bucketStart(from), $lt: to } },
    sort: { s: 1 },
    projection: { _id: 0, m: 1, s: 1, o: 1, v: 1 },
  };
}

/**
 * Whole buckets inside [from, to) stand in for their samples when windows are whole hours
 * (summaryCoversBucket in windows.ts): the server folds their summaries into windows aligned to
 * multiples of everyMs since the epoch. Null when no bucket can be covered.
 */
export function summaryPipeline(q: AggregateQuery): Array<Record<string, unknown>> | null {
  const range = coveredRange(q);
  if (!range) return null;
  return [
    { $match: { ...seriesFilter(q.deviceId, q.metric), s: { $gte: range.from, $lte: range.lastStart } } },
    {
      $group: {
        _id: { m: '$m', w: { $subtract: ['$s', { $mod: ['$s', q.everyMs] }] } },
        n: { $sum: '$n' },
        u: { $sum: '$u' },
        lo: { $min: '$lo' },
        hi: { $max: '$hi' },
        f: { $min: '$f' },
        l: { $max: '$l' },
      },
    },
  ];
}

/**
 * For agg=increase/rate: each hour touching [from, to) with its count, first, last and rise; `k`
 * counts the segments that keep a rise, `g` all segments, `x` marks an hour written out of order.
 */
export function hourRisesPipeline(q: AggregateQuery): Array<Record<string, unknown>> {
  return [
    { $match: { ...seriesFilter(q.deviceId, q.metric), s: { $gte: bucketStart(q.from), $lt: q.to } } },
    {
      $group: {
        _id: { m: '$m', s: '$s' },
        n: { $sum: '$n' },
        f: { $min: '$f' },
        l: { $max: '$l' },
        r: { $sum: '$r' },
        x: { $max: '$x' },
        g: { $sum: 1 },
        k: { $sum: { $cond: [{ $eq: [{ $type: '$r' }, 'missing'] }, 0, 1] } },
      },
    },
  ];
}

/** The latest segment of a metric before `before`; its hour's last value is the base of an increase. */
export function latestBeforeQuery(
  deviceId: string,
  metric: string,
  before: number,
): { filter: Filter; sort: Record<string, -1>; limit: number; projection: Record<string, 0 | 1> } {
  return { filter: { d: deviceId, m: metric, s: { $lt: before } }, sort: { s: -1 }, limit: 1, projection: { _id: 0, s: 1 } };
}

/** Every segment of one hour of a metric, with its last sample. */
export function hourLastQuery(deviceId: string, metric: string, start: number): { filter: Filter; projection: Record<string, 0 | 1> } {
  return { filter: { d: deviceId, m: metric, s: start }, projection: { _id: 0, l: 1 } };
}

/** Every bucket touching [from, to) with its summary only (no samples): for windows that are not whole hours. */
export function bucketSummariesQuery(q: AggregateQuery): { filter: Filter; projection: Record<string, 0 | 1> } {
  return {
    filter: { ...seriesFilter(q.deviceId, q.metric), s: { $gte: bucketStart(q.from), $lt: q.to } },
    projection: { _id: 0, m: 1, s: 1, n: 1, u: 1, lo: 1, hi: 1, f: 1, l: 1 },
  };
}

/** The samples of the buckets starting at `starts` (those a window boundary cuts). */
export function bucketSamplesQuery(q: AggregateQuery, starts: number[]): { filter: Filter; projection: Record<string, 0 | 1> } {
  return { filter: { ...seriesFilter(q.deviceId, q.metric), s: { $in: starts } }, projection: { _id: 0, m: 1, s: 1, o: 1, v: 1 } };
}

/** The buckets the summary pipeline does not cover: their samples are folded one by one. */
export function edgeSamplesQuery(q: AggregateQuery): { filter: Filter; projection: Record<string, 0 | 1> } {
  const lo = bucketStart(q.from);
  const range = coveredRange(q);
  const s = range
    ? { $or: [{ s: { $gte: lo, $lt: range.from } }, { s: { $gt: range.lastStart, $lt: q.to } }] }
    : { s: { $gte: lo, $lt: q.to } };
  return { filter: { ...seriesFilter(q.deviceId, q.metric), ...s }, projection: { _id: 0, m: 1, s: 1, o: 1, v: 1 } };
}

/** Whole buckets that ended at or before the cutoff (same rule as the embedded store). */
export function retentionFilter(cutoff: number): Filter {
  return { s: { $lte: cutoff - HOUR_MS } };
}

/** Every segment of one device (purging a removed device), served by the `device_time` index. */
export function deviceBucketsFilter(deviceId: string): Filter {
  return { d: deviceId };
}

/**
 * The newest reading of every (device, metric): the largest `l` ({t, v} compares by t first) over
 * the series' segments.
 */
export function latestReadingsPipeline(): Array<Record<string, unknown>> {
  return [{ $group: { _id: { d: '$d', m: '$m' }, l: { $max: '$l' } } }];
}
