// The data behind one chart line: history from REST joined with live points from the stream,
// without a gap and without a duplicate. Pure logic, no DOM, so it is tested under Node.
//
// Live points arriving while the history loads are buffered; once the history is in, only the
// buffered and later points newer than the history's last reading (the cutoff) are added. With
// an aggregation every `everyMs`, points are folded into windows the way the hub folds them
// (sum and count per window start), so the newest window keeps growing as live points arrive.
import type { Point } from './types.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Window sizes the hub accepts (1 s … 1 d) that read well on an axis. */
export const NICE_WINDOWS_MS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];
/** The largest page the readings route answers. */
export const RAW_PAGE_LIMIT = 10_000;
/** Pixels per point a chart needs to stay legible. */
const PIXELS_PER_WINDOW = 2;

/**
 * The aggregation window for a chart `widthPx` wide showing `spanMs`, or null when the raw
 * readings fit (no more points than pixels). A year and an hour both come back as a few hundred
 * points, so both load alike.
 */
export function fitEvery(spanMs: number, widthPx: number, sampleIntervalMs = SECOND): number | null {
  const width = Math.max(50, widthPx);
  const rawPoints = spanMs / Math.max(1, sampleIntervalMs);
  if (rawPoints <= width && rawPoints <= RAW_PAGE_LIMIT) return null;
  const wanted = spanMs / (width / PIXELS_PER_WINDOW);
  return NICE_WINDOWS_MS.find((w) => w >= wanted) ?? NICE_WINDOWS_MS[NICE_WINDOWS_MS.length - 1];
}

/** Silence longer than three sample intervals (when presence calls a device stale) breaks a line. */
export function silenceGapMs(sampleIntervalMs = 60_000): number {
  return 3 * sampleIntervalMs;
}

/** The window size in the hub's query syntax (30s, 5m, 1h, 1d). */
export function everyParam(everyMs: number): string {
  if (everyMs % (24 * HOUR) === 0) return `${everyMs / (24 * HOUR)}d`;
  if (everyMs % HOUR === 0) return `${everyMs / HOUR}h`;
  if (everyMs % MINUTE === 0) return `${everyMs / MINUTE}m`;
  if (everyMs % SECOND === 0) return `${everyMs / SECOND}s`;
  return String(everyMs);
}

export interface WeightedPoint {
  ts: number;
  /** Average of the readings in the window. */
  value: number;
  count: number;
}

export class JoinedSeries {
  /** Times (ms) and values in the layout uPlot draws. */
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  private readonly counts: number[] = [];
  private buffer: Point[] | null = [];
  private cutoff = -Infinity;
  /** Bumped on every change so a chart redraws only when something moved. */
  version = 0;

  /** `everyMs` null keeps raw points; `keepMs` drops points older than that behind the newest. */
  constructor(
    readonly everyMs: number | null,
    private readonly keepMs: number | null = null,
  ) {}

  get loaded(): boolean {
    return this.buffer === null;
  }

  /** Raw history, oldest first; its last reading is the cutoff for live points. */
  loadRaw(points: Point[]): void {
    for (const p of points) this.insert(p.ts, p.value, 1);
    this.finishLoad(points.length > 0 ? points[points.length - 1].ts : -Infinity);
  }

  /**
   * Aggregated history: whole windows and finer windows covering the newest, still open window
   * (both with their counts), then the raw readings after the last fine window. `cutoff` is the
   * newest instant the history covers: the last raw reading, or the end of the last fine window.
   */
  loadAggregated(windows: WeightedPoint[], raw: Point[], cutoff: number): void {
    for (const w of windows) this.insert(w.ts, w.value, w.count);
    for (const p of raw) this.insert(p.ts, p.value, 1);
    this.finishLoad(raw.length > 0 ? Math.max(cutoff, raw[raw.length - 1].ts) : cutoff);
  }

  /** A live point from the stream. */
  add(ts: number, value: number): void {
    if (this.buffer) {
      this.buffer.push({ ts, value });
      return;
    }
    if (ts <= this.cutoff) return;
    this.insert(ts, value, 1);
    this.trim();
  }

  private finishLoad(cutoff: number): void {
    this.cutoff = cutoff;
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const p of buffered) this.add(p.ts, p.value);
    this.trim();
    this.version++;
  }

  private insert(ts: number, value: number, count: number): void {
    if (count <= 0 || !Number.isFinite(value)) return;
    const x = this.everyMs === null ? ts : Math.floor(ts / this.everyMs) * this.everyMs;
    const i = this.indexOf(x);
    if (i < this.xs.length && this.xs[i] === x) {
      // Raw: the same timestamp again is the same reading (the hub stores it once).
      if (this.everyMs === null) return;
      const total = this.ys[i] * this.counts[i] + value * count;
      this.counts[i] += count;
      this.ys[i] = total / this.counts[i];
    } else if (i === this.xs.length) {
      this.xs.push(x);
      this.ys.push(value);
      this.counts.push(count);
    } else {
      this.xs.splice(i, 0, x);
      this.ys.splice(i, 0, value);
      this.counts.splice(i, 0, count);
    }
    this.version++;
  }

  /** First index whose time is at or after x (appending is the common case, so check it first). */
  private indexOf(x: number): number {
    const n = this.xs.length;
    if (n === 0 || this.xs[n - 1] < x) return n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.xs[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private trim(): void {
    if (this.keepMs === null || this.xs.length === 0) return;
    const oldest = this.xs[this.xs.length - 1] - this.keepMs;
    let n = 0;
    while (n < this.xs.length && this.xs[n] < oldest) n++;
    if (n === 0) return;
    this.xs.splice(0, n);
    this.ys.splice(0, n);
    this.counts.splice(0, n);
    this.version++;
  }
}
