// The bucket model both adapters share: one bucket per (device, metric, UTC hour), split into
// segments of at most SEGMENT_CAP samples so no single row or document grows without bound.
// A segment holds its summary figures and its samples packed as (uint32 offset ms, float64 value).

export const HOUR_MS = 3_600_000;
export const SEGMENT_CAP = 500;
const SAMPLE_BYTES = 12;

export interface Sample {
  /** Unix ms. */
  t: number;
  v: number;
}

export interface Summary {
  count: number;
  sum: number;
  min: number;
  max: number;
  firstT: number;
  firstV: number;
  lastT: number;
  lastV: number;
  /**
   * The sum of the rises between consecutive samples, a drop counting as a reset (counters.ts);
   * null when samples were added out of time order or the stored hour predates it: then an
   * increase reads the samples.
   */
  rise?: number | null;
}

// Defined in the core, where alert rules of kind increase/rate count rises the same way.
import { riseBetween } from '../core/counter-rise.js';

export { riseBetween };

export function bucketStart(ts: number): number {
  return ts - (((ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

export function packSamples(start: number, samples: readonly Sample[]): Buffer {
  const buf = Buffer.allocUnsafe(samples.length * SAMPLE_BYTES);
  samples.forEach((s, i) => {
    buf.writeUInt32LE(s.t - start, i * SAMPLE_BYTES);
    buf.writeDoubleLE(s.v, i * SAMPLE_BYTES + 4);
  });
  return buf;
}

export function unpackSamples(start: number, buf: Uint8Array): Sample[] {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Sample[] = new Array(Math.floor(view.length / SAMPLE_BYTES));
  for (let i = 0; i < out.length; i++) {
    out[i] = { t: start + view.readUInt32LE(i * SAMPLE_BYTES), v: view.readDoubleLE(i * SAMPLE_BYTES + 4) };
  }
  return out;
}

/** Calls `each` with every packed sample, in stored order, without a sample object each. */
export function forEachSample(start: number, buf: Uint8Array, each: (t: number, v: number) => void): void {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Math.floor(view.length / SAMPLE_BYTES);
  for (let i = 0; i < n; i++) each(start + view.readUInt32LE(i * SAMPLE_BYTES), view.readDoubleLE(i * SAMPLE_BYTES + 4));
}

export function summarize(samples: readonly Sample[]): Summary {
  if (samples.length === 0) throw new Error('cannot summarize an empty segment');
  const s: Summary = {
    count: 0,
    sum: 0,
    min: Infinity,
    max: -Infinity,
    firstT: Infinity,
    firstV: 0,
    lastT: -Infinity,
    lastV: 0,
    rise: 0,
  };
  // A batch out of time order is summed in time order, so its rise stays known.
  const inOrder = samples.every((x, i) => i === 0 || x.t > samples[i - 1].t);
  for (const { t, v } of inOrder ? samples : [...samples].sort((a, b) => a.t - b.t)) addToSummary(s, t, v);
  return s;
}

export function addToSummary(s: Summary, t: number, v: number): void {
  if (s.rise != null && s.count > 0) s.rise = t > s.lastT ? s.rise + riseBetween(s.lastV, v) : null;
  s.count += 1;
  s.sum += v;
  if (v < s.min) s.min = v;
  if (v > s.max) s.max = v;
  // Samples may arrive out of order, so first and last are by timestamp, not arrival.
  if (t < s.firstT) {
    s.firstT = t;
    s.firstV = v;
  }
  if (t > s.lastT) {
    s.lastT = t;
    s.lastV = v;
  }
}

export function mergeSummaries(a: Summary, b: Summary): Summary {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    firstT: Math.min(a.firstT, b.firstT),
    firstV: a.firstT <= b.firstT ? a.firstV : b.firstV,
    lastT: Math.max(a.lastT, b.lastT),
    lastV: a.lastT >= b.lastT ? a.lastV : b.lastV,
    rise: a.rise != null && b.rise != null && a.lastT < b.firstT ? a.rise + riseBetween(a.lastV, b.firstV) + b.rise : null,
  };
}

export function seriesKey(deviceId: string, metric: string, start: number): string {
  return `${deviceId}\u0000${metric}\u0000${start}`;
}

/** Groups readings by bucket, dropping repeats of the same timestamp inside the batch itself. */
export function groupByBucket<R extends { deviceId: string; metric: string; ts: number; value: number }>(
  readings: readonly R[],
): Map<string, { deviceId: string; metric: string; start: number; samples: Sample[] }> {
  const groups = new Map<string, { deviceId: string; metric: string; start: number; samples: Sample[]; seen: Set<number> }>();
  for (const r of readings) {
    const start = bucketStart(r.ts);
    const key = seriesKey(r.deviceId, r.metric, start);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { deviceId: r.deviceId, metric: r.metric, start, samples: [], seen: new Set() }));
    if (g.seen.has(r.ts)) continue;
    g.seen.add(r.ts);
    g.samples.push({ t: r.ts, v: r.value });
  }
  return groups;
}
