// The open (last) segment of an hour as compaction extends it, and the packing of appended rows.
import type { Reading } from '../../core/model.js';
import { addToSummary, packSamples, summarize, type Sample, type Summary } from '../buckets.js';

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

/** Segment rows keep no rise: only the hour's summary (`hours`) does. */
export function withoutRise(summary: Summary): Omit<Summary, 'rise'> {
  const { rise: _rise, ...rest } = summary;
  return rest;
}
