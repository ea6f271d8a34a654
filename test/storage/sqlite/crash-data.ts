// The readings crash-writer.ts writes and crash.test.ts checks: reading k is metric m(k % 4) at
// T0 + floor(k / 4) s with value k, so every (metric, ts) names one k.
import type { Reading } from '../../../src/core/model.js';
import type { WriteBatch } from '../../../src/core/store.js';

export const CRASH_T0 = Date.UTC(2026, 10, 20, 10, 30);
export const CRASH_BATCH = { size: 1_000, repeat: 100, count: 400 };

export function crashReading(k: number): Reading {
  return { deviceId: 'crash', metric: `m${k % 4}`, ts: CRASH_T0 + Math.floor(k / 4) * 1000, value: k };
}

export function crashBatch(n: number): WriteBatch {
  const from = Math.max(0, n * CRASH_BATCH.size - CRASH_BATCH.repeat);
  const readings = Array.from({ length: (n + 1) * CRASH_BATCH.size - from }, (_, i) => crashReading(from + i));
  return { readings, heads: [], lastSeen: [] };
}

/** The k of a stored reading. */
export function crashIndex(r: { metric: string; ts: number }): number {
  return ((r.ts - CRASH_T0) / 1000) * 4 + Number(r.metric.slice(1));
}
