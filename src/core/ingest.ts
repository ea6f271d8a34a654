// The ingest pipeline every transport uses: validate, batch, write, and resolve each message's
// `durable` promise only once its readings are committed. Device acks hang on that promise.
// A store failure keeps the batch and retries with backoff; nothing is acked meanwhile, and past
// `maxPending` readings new messages are refused so devices keep them and resend later.
import type { EventBus } from './events.js';
import { checkMetricName, checkTimestamp, checkValue, type Reading } from './model.js';
import type { DeviceRegistry } from './devices.js';
import type { StreamLedger } from './streams.js';
import type { Store, WriteBatch } from '../storage/store.js';
import type { HubLogger } from './logger.js';
import type { IngestMetrics } from './metrics.js';

export interface ReadingInput {
  metric: string;
  value: number;
  /** Device timestamp in ms; the hub's receive time when absent. */
  ts?: number;
}

export interface IngestMessage {
  deviceId: string;
  /** Stream sequence number (uint32); messages without one are not deduplicated by sequence. */
  seq?: number;
  readings: ReadingInput[];
  /** Where the message came from, for logs and counters ("mqtt", "line", ...). */
  source: string;
}

export interface IngestOutcome {
  status: 'accepted' | 'duplicate' | 'refused';
  accepted: number;
  rejected: Array<{ metric: string; reason: string }>;
  /** Why the whole message was refused. */
  reason?: string;
  /** Resolves with the device's stream head once everything this message carried is durable. */
  durable: Promise<{ h: number | null }>;
}

export interface IngestOptions {
  batchSize: number;
  flushIntervalMs: number;
  maxPending: number;
}

interface Pending {
  batch: WriteBatch;
  messages: Array<{ deviceId: string; readings: Reading[] }>;
  waiters: Array<() => void>;
}

export class Ingest {
  private pending = emptyPending();
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;
  private stopped = true;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'writeBatch'>;
      devices: DeviceRegistry;
      streams: StreamLedger;
      bus: EventBus;
      log: HubLogger;
      metrics: IngestMetrics;
      clock?: () => number;
    },
    private readonly options: IngestOptions,
  ) {}

  start(): void {
    this.stopped = false;
  }

  /** Flushes everything pending; after this, submit() refuses. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.batch.readings.length > 0 || this.pending.waiters.length > 0 || this.flushing) {
      await this.flush();
      if (this.retryDelayMs > 0) break; // the store is failing; readings stay unacked and devices resend
    }
  }

  get pendingReadings(): number {
    return this.pending.batch.readings.length;
  }

  submit(msg: IngestMessage): IngestOutcome {
    const now = (this.deps.clock ?? Date.now)();
    const refuse = (reason: string): IngestOutcome => {
      this.deps.metrics.rejected(msg.source, reason, msg.readings.length || 1);
      this.deps.bus.emit('rejected', { deviceId: msg.deviceId, source: msg.source, reason });
      return { status: 'refused', accepted: 0, rejected: [], reason, durable: Promise.reject(new Error(reason)) };
    };
    if (this.stopped) return silence(refuse('hub is shutting down'));
    if (!this.deps.devices.get(msg.deviceId)) return silence(refuse(`unknown device ${msg.deviceId}`));
    const verdict = msg.seq === undefined ? 'new' : this.deps.streams.classify(msg.deviceId, msg.seq);
    if (verdict === 'duplicate') {
      this.deps.metrics.duplicateMessages(msg.source);
      return { status: 'duplicate', accepted: 0, rejected: [], durable: this.afterFlush(msg.deviceId) };
    }
    if (verdict === 'gap') {
      return silence(refuse('sequence gap after a refused message; resend everything after the last ack'));
    }
    if (this.pending.batch.readings.length + msg.readings.length > this.options.maxPending) {
      if (msg.seq !== undefined) this.deps.streams.refused(msg.deviceId);
      return silence(refuse('hub is buffering too many unwritten readings; resend later'));
    }
    if (msg.seq !== undefined) this.deps.streams.accept(msg.deviceId, msg.seq);

    const readings: Reading[] = [];
    const rejected: IngestOutcome['rejected'] = [];
    for (const input of msg.readings) {
      const ts = input.ts ?? now;
      const reason = checkMetricName(input.metric) ?? checkValue(input.value) ?? checkTimestamp(ts, now);
      if (reason) rejected.push({ metric: String(input.metric), reason });
      else readings.push({ deviceId: msg.deviceId, metric: input.metric, ts, value: input.value });
    }
    for (const r of rejected) {
      this.deps.metrics.rejected(msg.source, r.reason, 1);
      this.deps.bus.emit('rejected', { deviceId: msg.deviceId, source: msg.source, reason: `${r.metric}: ${r.reason}` });
    }
    if (rejected.length > 0) this.deps.log.warn({ deviceId: msg.deviceId, rejected }, 'readings rejected');

    const p = this.pending;
    p.batch.readings.push(...readings);
    if (msg.seq !== undefined) p.batch.heads.push({ deviceId: msg.deviceId, h: msg.seq });
    p.batch.lastSeen.push({ deviceId: msg.deviceId, ts: now });
    if (readings.length > 0) p.messages.push({ deviceId: msg.deviceId, readings });
    this.deps.devices.touch(msg.deviceId, now);
    void this.deps.devices.noteMetrics(msg.deviceId, readings.map((r) => r.metric)).catch((err) =>
      this.deps.log.error({ err, deviceId: msg.deviceId }, 'could not record new metrics'));

    const durable = this.afterFlush(msg.deviceId);
    this.schedule();
    return { status: 'accepted', accepted: readings.length, rejected, durable };
  }

  /** Writes what is pending now; resolves when that write (and any before it) is done. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.batch.readings.length === 0 && this.pending.waiters.length === 0) return;
    const current = this.pending;
    this.pending = emptyPending();
    this.flushing = this.write(current).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async write(current: Pending): Promise<void> {
    const started = performance.now();
    try {
      const result = await this.deps.store.writeBatch(current.batch);
      this.retryDelayMs = 0;
      this.deps.metrics.flushed(performance.now() - started, result.inserted, result.duplicates);
    } catch (err) {
      this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 100), 5_000);
      this.deps.log.error({ err, readings: current.batch.readings.length, retryInMs: this.retryDelayMs }, 'store write failed; will retry');
      this.deps.metrics.flushFailed();
      this.pending = mergePending(current, this.pending);
      // After stop() nobody retries: the store is about to close and devices resend what is unacked.
      if (!this.stopped) this.schedule(this.retryDelayMs);
      return;
    }
    for (const head of current.batch.heads) this.deps.streams.durable(head.deviceId, head.h);
    for (const m of current.messages) this.deps.bus.emit('readings', m);
    for (const resolve of current.waiters) resolve();
  }

  private afterFlush(deviceId: string): Promise<{ h: number | null }> {
    return new Promise((resolve) => {
      this.pending.waiters.push(() => resolve({ h: this.deps.streams.head(deviceId) }));
      this.schedule();
    });
  }

  private schedule(delayMs?: number): void {
    if (this.pending.batch.readings.length >= this.options.batchSize && delayMs === undefined) {
      void this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs ?? this.options.flushIntervalMs);
  }
}

function emptyPending(): Pending {
  return { batch: { readings: [], heads: [], lastSeen: [] }, messages: [], waiters: [] };
}

function mergePending(first: Pending, then: Pending): Pending {
  return {
    batch: {
      readings: [...first.batch.readings, ...then.batch.readings],
      heads: [...first.batch.heads, ...then.batch.heads],
      lastSeen: [...first.batch.lastSeen, ...then.batch.lastSeen],
    },
    messages: [...first.messages, ...then.messages],
    waiters: [...first.waiters, ...then.waiters],
  };
}

/** A refused message's durable promise rejects; keep it from surfacing as an unhandled rejection. */
function silence(outcome: IngestOutcome): IngestOutcome {
  outcome.durable.catch(() => {});
  return outcome;
}
