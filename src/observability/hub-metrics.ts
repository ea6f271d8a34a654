// The hub's Prometheus series. Stages get the narrow interfaces they report through; gauges read
// the hub's state when scraped (watch); the HTTP layer renders the registry at /metrics.
import type { IngestMetrics, TransportMetrics } from '../core/metrics.js';
import type { PresenceLogMetrics } from '../core/presence-log.js';
import type { KeyCheckBusyError } from '../core/key-checks.js';
import type { RefusalCode } from '../core/refusals.js';
import { MetricsRegistry } from './prometheus.js';

/** What the gauges read at each scrape. */
export interface GaugeSources {
  keyChecksInFlight(): number;
  pendingReadings(): number;
  mqttClients(): number;
  sseClients(): number;
  /** The state of each active alert (pending, firing). */
  alertStates(): string[];
  /** The presence of each known device. */
  devicePresences(): string[];
}

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

  // Device key checks (scrypt runs are the costly part of a login).
  readonly keyDerivations = this.registry.counter(
    'hub_key_derivations_total',
    'Device key checks that ran scrypt, by lane (normal, penalty).',
  );
  readonly keyChecksBusy = this.registry.counter(
    'hub_key_checks_busy_total',
    'Device logins refused because too many key checks were running or queued, by reason.',
  );

  keyDerived(penalised: boolean): void {
    this.keyDerivations.inc({ lane: penalised ? 'penalty' : 'normal' });
  }

  keyCheckBusy(reason: KeyCheckBusyError['reason']): void {
    this.keyChecksBusy.inc({ reason });
  }

  readonly webhookAttempts = this.registry.counter(
    'hub_alert_webhook_attempts_total',
    'Alert webhook deliveries tried, by outcome (delivered, failed).',
  );

  webhookAttempted(ok: boolean): void {
    this.webhookAttempts.inc({ outcome: ok ? 'delivered' : 'failed' });
  }

  /** Registers the gauges, read from `sources` at each scrape. */
  watch(sources: GaugeSources): void {
    this.registry.gauge('hub_key_checks_in_flight', 'Device key checks running or queued now.', sources.keyChecksInFlight);
    this.registry.gauge('hub_pending_readings', 'Readings accepted but not yet written.', sources.pendingReadings);
    this.registry.gauge('hub_connections', 'Open connections by kind: MQTT clients (TCP and WebSocket) and SSE streams.', () => [
      { labels: { kind: 'mqtt' }, value: sources.mqttClients() },
      { labels: { kind: 'sse' }, value: sources.sseClients() },
    ]);
    this.registry.gauge('hub_alerts_active', 'Active alerts by state (pending, firing).', () => countBy(sources.alertStates(), 'state'));
    this.registry.gauge('hub_devices', 'Known devices by presence.', () => countBy(sources.devicePresences(), 'presence'));
  }
}

function countBy(values: string[], label: string): Array<{ labels: Record<string, string>; value: number }> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => ({ labels: { [label]: v }, value: n }));
}
