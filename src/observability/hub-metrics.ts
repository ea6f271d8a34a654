// The hub's Prometheus series. Stages get the narrow interfaces they report through; the HTTP
// layer renders the registry at /metrics.
import type { IngestMetrics, TransportMetrics } from '../core/metrics.js';
import type { PresenceLogMetrics } from '../core/presence-log.js';
import type { RefusalCode } from '../core/refusals.js';
import { MetricsRegistry } from './prometheus.js';

export class HubMetrics implements IngestMetrics, TransportMetrics, PresenceLogMetrics {
  readonly registry = new MetricsRegistry();
  readonly readingsIngested = this.registry.counter('hub_readings_ingested_total', 'Readings written to the store.');
  readonly readingsRefused = this.registry.counter(
    'hub_readings_rejected_total',
    'Readings or messages refused, by source and reason (a refusal code).',
  );
  readonly duplicates = this.registry.counter(
    'hub_readings_duplicate_total',
    'Readings not written again: resent sequence numbers and repeated timestamps.',
  );
  readonly flushLatency = this.registry.histogram(
    'hub_batch_flush_seconds',
    'Time to make one ingest batch durable.',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly flushFailures = this.registry.counter('hub_batch_flush_failures_total', 'Batch writes that failed and were retried.');

  readonly presenceWrites = this.registry.counter(
    'hub_presence_writes_total',
    'Store writes of presence history (each holds one or more changes), by result (ok, failed).',
  );
  readonly presenceStored = this.registry.counter('hub_presence_changes_stored_total', 'Presence changes written to the store.');

  presenceWritten(changes: number, ok: boolean): void {
    this.presenceWrites.inc({ result: ok ? 'ok' : 'failed' });
    if (ok) this.presenceStored.inc({}, changes);
  }

  refused(source: string, code: RefusalCode, count: number): void {
    this.readingsRefused.inc({ source, reason: code }, count);
  }

  readonly streamLost = this.registry.counter(
    'hub_stream_lost_total',
    'Messages devices declared they no longer hold (ring overflow, reboot, a message they gave up), by source.',
  );

  lost(source: string, count: number): void {
    this.streamLost.inc({ source }, count);
  }

  duplicateMessages(source: string): void {
    this.duplicates.inc({ kind: 'sequence', source });
  }

  flushed(latencyMs: number, inserted: number, duplicates: number): void {
    this.flushLatency.observe(latencyMs / 1000);
    this.readingsIngested.inc({}, inserted);
    if (duplicates > 0) this.duplicates.inc({ kind: 'timestamp', source: 'store' }, duplicates);
  }

  flushFailed(): void {
    this.flushFailures.inc();
  }

  // Transports: frames refused at the edge (bad checksum, broken framing) never reach ingest.
  readonly framesRefused = this.registry.counter(
    'hub_frames_rejected_total',
    'Frames refused by a transport before ingest (bad CRC, broken framing), by transport and reason (a refusal code).',
  );

  frameRefused(transport: string, code: RefusalCode): void {
    this.framesRefused.inc({ transport, reason: code });
  }
}
