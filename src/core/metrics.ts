// What the core reports about itself. observability/hub-metrics.ts turns these calls into
// Prometheus series; the core does not know how they are exposed. Refusals are counted by
// code, never by their words, so the series stay few.
import type { RefusalCode } from './refusals.js';

export interface IngestMetrics {
  refused(source: string, code: RefusalCode, count: number): void;
  duplicateMessages(source: string): void;
  /** Sequence numbers a device declared it no longer holds (dropped on the device, never stored). */
  lost(source: string, count: number): void;
  flushed(latencyMs: number, inserted: number, duplicates: number): void;
  flushFailed(): void;
}

/** What transports report about input refused before it reaches ingest (bad frames, bad CRCs). */
export interface TransportMetrics {
  frameRefused(transport: string, code: RefusalCode): void;
}
