// Folding samples and bucket summaries into aggregation windows: aligned to UTC multiples of
// `everyMs` since the epoch, or between explicit boundaries (calendar windows in a time zone). Both adapters feed it; it knows nothing about rows or documents.
import { HOUR_MS, addToSummary, mergeSummaries, type Summary } from './buckets.js';
import { QueryTooLargeError, TooManyWindowsError, type AggregatePoint, type Aggregation } from '../core/store.js';

/** Windows one answer may hold: bounds the memory a single query can take. */
export const MAX_WINDOWS = 100_000;

export function windowStart(ts: number, everyMs: number): number {
  return ts - (((ts % everyMs) + everyMs) % everyMs);
}

/** Where a query's windows start and how long each is. */
export interface WindowGrid {
  startOf(t: number): number;
  lengthMs(start: number): number;
  /** Whether the hour bucket starting at `start` lies whole inside one window. */
  holdsHour(start: number): boolean;
}

/** Explicit windows: [b[i], b[i + 1]) (AggregateQuery.boundaries). */
export function boundaryGrid(boundaries: readonly number[]): WindowGrid {
  // Index of the window holding t: the last boundary at or before it.
  const index = (t: number) => {
    let lo = 0;
    let hi = boundaries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (boundaries[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    startOf: (t) => boundaries[index(t)],
    lengthMs: (start) => boundaries[index(start) + 1] - start,
    holdsHour: (start) => index(start) === index(start + HOUR_MS - 1),
  };
}

/** The grid of a query: its boundaries when given, else windows of everyMs. */
export function gridOf(q: { everyMs: number; boundaries?: readonly number[] }): WindowGrid {
  return q.boundaries ? boundaryGrid(q.boundaries) : fixedGrid(q.everyMs);
}

/** Windows of `everyMs` aligned to multiples of it since the epoch. */
export function fixedGrid(everyMs: number): WindowGrid {
  return {
    startOf: (t) => windowStart(t, everyMs),
    lengthMs: () => everyMs,
    holdsHour: (start) => windowStart(start, everyMs) === windowStart(start + HOUR_MS - 1, everyMs),
  };
}

/**
 * A bucket may stand in for its samples when every window it touches contains it whole:
 * the window size is a whole number of hours and the bucket lies inside [from, to).
 */
export function summaryCoversBucket(bucketStartMs: number, everyMs: number, from: number, to: number): boolean {
  return everyMs % HOUR_MS === 0 && bucketStartMs >= from && bucketStartMs + HOUR_MS <= to;
}

/**
 * The bucket starts b for which summaryCoversBucket holds, as the range [from, lastStart]; null when
 * everyMs is not whole hours or no bucket fits. Both adapters fold these buckets from summaries.
 */
export function coveredRange(q: {
  everyMs: number;
  boundaries?: readonly number[];
  from: number;
  to: number;
}): { from: number; lastStart: number } | null {
  if (q.boundaries || q.everyMs % HOUR_MS !== 0) return null;
  const from = Math.ceil(q.from / HOUR_MS) * HOUR_MS;
  const lastStart = Math.floor(q.to / HOUR_MS) * HOUR_MS - HOUR_MS;
  return lastStart >= from ? { from, lastStart } : null;
}

/**
 * For windows that are not whole hours: an hour bucket inside [from, to) that no window boundary
 * cuts (every=90m: every other hour) is answered from its summary; the others need their samples.
 */
export function bucketFitsWindow(bucketStartMs: number, grid: WindowGrid, from: number, to: number): boolean {
  return bucketStartMs >= from && bucketStartMs + HOUR_MS <= to && grid.holdsHour(bucketStartMs);
}

/** The buckets of a query that need their samples, in start order, and how many samples that is. */
export class SampleWork {
  readonly buckets: Array<{ metric: string; start: number }> = [];
  samples = 0;

  add(metric: string, start: number, count: number): void {
    this.buckets.push({ metric, start });
    this.samples += count;
  }

  /** Refuses the query before any sample is read when it would read more than `maxSamples`. */
  check(maxSamples: number | undefined): void {
    if (maxSamples !== undefined && this.samples > maxSamples) throw new QueryTooLargeError(this.samples, maxSamples);
  }

  /** The needed buckets as contiguous hour spans [from, to), each with the set of `metric@start` it needs. */
  spans(): Array<{ from: number; to: number; needed: Set<string> }> {
    const starts = [...new Set(this.buckets.map((b) => b.start))].sort((a, b) => a - b);
    const needed = new Set(this.buckets.map((b) => `${b.metric}@${b.start}`));
    const spans: Array<{ from: number; to: number; needed: Set<string> }> = [];
    for (const start of starts) {
      const last = spans[spans.length - 1];
      if (last && last.to === start) last.to = start + HOUR_MS;
      else spans.push({ from: start, to: start + HOUR_MS, needed });
    }
    return spans;
  }
}

export function pick(summary: Summary, agg: Aggregation): number {
  switch (agg) {
    case 'avg':
      return summary.sum / summary.count;
    case 'min':
      return summary.min;
    case 'max':
      return summary.max;
    case 'sum':
      return summary.sum;
    case 'count':
      return summary.count;
    case 'first':
      return summary.firstV;
    case 'last':
      return summary.lastV;
    case 'increase':
    case 'rate':
      throw new Error(`${agg} is folded by CounterFolder (counters.ts), not from window summaries`);
  }
}

interface Window {
  metric: string;
  ts: number;
  summary: Summary | null;
}

export class WindowFolder {
  // Per metric, then by window start: no key string is built (a 13-digit number to text) per row.
  private readonly windows = new Map<string, Map<number, Window>>();
  private count = 0;
  /** The window the last sample went to, and where it ends: samples come an hour in time order. */
  private last: { window: Window; end: number } | null = null;

  constructor(
    private readonly grid: WindowGrid,
    private readonly from: number,
    private readonly to: number,
    private readonly maxWindows = MAX_WINDOWS,
  ) {}

  addSample(metric: string, t: number, v: number): void {
    if (t < this.from || t >= this.to) return;
    let w: Window;
    const last = this.last;
    if (last && last.window.metric === metric && t >= last.window.ts && t < last.end) w = last.window;
    else {
      w = this.window(metric, this.grid.startOf(t));
      this.last = { window: w, end: w.ts + this.grid.lengthMs(w.ts) };
    }
    if (w.summary) addToSummary(w.summary, t, v);
    else w.summary = { count: 1, sum: v, min: v, max: v, firstT: t, firstV: v, lastT: t, lastV: v };
  }

  /** Only for buckets for which summaryCoversBucket() holds. */
  addSummary(metric: string, bucketStartMs: number, summary: Summary): void {
    const w = this.window(metric, this.grid.startOf(bucketStartMs));
    w.summary = w.summary ? mergeSummaries(w.summary, summary) : { ...summary };
  }

  points(agg: Aggregation): AggregatePoint[] {
    const all: Window[] = [];
    for (const byStart of this.windows.values()) for (const w of byStart.values()) all.push(w);
    return all
      .sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
      .map((w) => ({ metric: w.metric, ts: w.ts, value: pick(w.summary!, agg), count: w.summary!.count }));
  }

  private window(metric: string, ts: number): Window {
    let byStart = this.windows.get(metric);
    if (!byStart) this.windows.set(metric, (byStart = new Map()));
    let w = byStart.get(ts);
    if (!w) {
      if (this.count >= this.maxWindows) throw new TooManyWindowsError(this.maxWindows);
      byStart.set(ts, (w = { metric, ts, summary: null }));
      this.count += 1;
    }
    return w;
  }
}

/** Raw-page cursors: the (ts, metric) of the last reading returned, opaque to clients. */
export function encodeCursor(ts: number, metric: string): string {
  return Buffer.from(JSON.stringify([ts, metric])).toString('base64url');
}

export function decodeCursor(cursor: string): { ts: number; metric: string } | null {
  try {
    const [ts, metric] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof ts === 'number' && Number.isInteger(ts) && typeof metric === 'string') return { ts, metric };
  } catch {
    // fall through: a cursor that does not decode is a client error, reported by the caller
  }
  return null;
}

/** Order of raw readings: by time, then by metric name, so a cursor is a total position. */
export function afterCursor(ts: number, metric: string, cursor: { ts: number; metric: string }): boolean {
  return ts > cursor.ts || (ts === cursor.ts && metric > cursor.metric);
}
