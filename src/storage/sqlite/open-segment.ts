// The open (last) segment of an hour as compaction extends it, and the packing of appended rows.
import type { Reading } from '../../core/model.js';
import { SEGMENT_CAP, addToSummary, packSamples, summarize, type Sample, type Summary } from '../buckets.js';

/** The open (last) segment as stored: its packed samples and figures, extended on each compaction. */
export interface OpenSegment {
  seg: number;
  count: number;
  packed: Buffer;
  summary: Summary | null;
}

export const NO_SEGMENT: OpenSegment = { seg: 0, count: 0, packed: Buffer.alloc(0), summary: null };

/** packSamples() straight from readings, without a sample object each. */
export function packReadings(start: number, readings: readonly Reading[]): Buffer {
  const buf = Buffer.allocUnsafe(readings.length * 12);
  for (let i = 0; i < readings.length; i++) {
    buf.writeUInt32LE(readings[i].ts - start, i * 12);
    buf.writeDoubleLE(readings[i].value, i * 12 + 4);
  }
  return buf;
}

/** The segment with `chunk` after its samples: figures summed in the same order a full summarize() would. */
export function extend(open: OpenSegment, start: number, chunk: Sample[]): OpenSegment {
  let summary: Summary;
  if (open.summary) {
    summary = { ...open.summary };
    for (const sample of chunk) addToSummary(summary, sample.t, sample.v);
  } else {
    summary = summarize(chunk);
  }
  return { seg: open.seg, count: open.count + chunk.length, packed: Buffer.concat([open.packed, packSamples(start, chunk)]), summary };
}

/** A summary of no samples yet, for addToSummary() to fill. */
export function emptySummary(): Summary {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity, firstT: Infinity, firstV: 0, lastT: -Infinity, lastV: 0, rise: 0 };
}

/**
 * extend() for packed samples in time order after the segment's own, as compaction mostly meets
 * them: the bytes are appended as they are, in as many segments as they fill, and the figures
 * added in one pass with no sample object. `each` hears of every segment written, in order.
 * Returns the last segment and the figures of the new samples alone, as extend() and summarize()
 * compute them; null, having called `each` for nothing, when the samples are out of order.
 */
export function extendPacked(
  open: OpenSegment,
  start: number,
  packed: Buffer,
  each: (segment: OpenSegment) => void,
): { open: OpenSegment; added: Summary } | null {
  const n = packed.length / 12;
  const added = emptySummary();
  let last = open.summary ? open.summary.lastT : Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = start + packed.readUInt32LE(i * 12);
    if (t <= last) return null;
    last = t;
    addToSummary(added, t, packed.readDoubleLE(i * 12 + 4));
  }
  let segment = open;
  for (let from = 0; from < n; ) {
    if (segment.count >= SEGMENT_CAP) segment = { seg: segment.seg + 1, count: 0, packed: Buffer.alloc(0), summary: null };
    const to = Math.min(n, from + SEGMENT_CAP - segment.count);
    const summary = segment.summary ? { ...segment.summary } : emptySummary();
    for (let i = from; i < to; i++) addToSummary(summary, start + packed.readUInt32LE(i * 12), packed.readDoubleLE(i * 12 + 4));
    const bytes = packed.subarray(from * 12, to * 12);
    segment = {
      seg: segment.seg,
      count: segment.count + to - from,
      packed: segment.count === 0 ? bytes : Buffer.concat([segment.packed, bytes]),
      summary,
    };
    each(segment);
    from = to;
  }
  return { open: segment, added };
}

/** Segment rows keep no rise: only the hour's summary (`hours`) does. */
export function withoutRise(summary: Summary): Omit<Summary, 'rise'> {
  const { rise: _rise, ...rest } = summary;
  return rest;
}
