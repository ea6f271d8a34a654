// The ingest pipeline every transport uses: validate, batch, write, and resolve each message's
// `durable` promise only once its readings are committed. Device acks hang on that promise.
// Writes are group commits: a write starts as soon as the previous one is done and takes
// everything that queued meanwhile, so latency follows the store's write time under light load
// and batches grow by themselves under heavy load (one fsync per write, not per message).
// A store failure keeps the batch and retries with backoff; nothing is acked meanwhile, and past
// `maxPending` readings new messages are refused so devices keep them and resend later.
// Sequence rules (in order, no holes but those the device declares) live in streams.ts.
import type { EventBus } from './events.js';
import type { IngestRefusalCode, ReadingRefusalCode, Refusal, SeqNoticeCode } from './refusals.js';
import { IngestNotices } from './ingest-notices.js';
import type { DeviceRegistry } from './devices.js';
import type { StreamLedger, StreamLoss } from './streams.js';
import type { Store } from './store.js';
import { PendingQueue, type PendingEntry, type PendingWrite } from './pending.js';
import { Accepted, DurableTicket } from './durable.js';
import { ReadingChecks } from './reading-checks.js';
import type { HubLogger } from './logger.js';
import type { IngestMetrics } from './metrics.js';
import type { Stage } from './stage.js';

export interface ReadingInput {
  metric: string;
  value: number;
  /** Device timestamp in ms; the hub's receive time when absent. */
  ts?: number;
  /** Which sample of the message the reading belongs to (a batch entry); untimed samples get distinct times. */
  group?: number;
}

export interface IngestMessage {
  deviceId: string;
  /** Stream sequence number (uint32); messages without one are not deduplicated by sequence. */
  seq?: number;
  /** The device's oldest held seq; lets the stream move past seqs the device no longer holds. */
  first?: number;
  readings: ReadingInput[];
  /** Where the message came from, for logs and counters ("mqtt", "line", ...). */
  source: string;
}

interface OutcomeBase {
  accepted: number;
  /** Readings refused alone; the rest of the message is kept. */
  refused: Array<{ metric: string } & Refusal<ReadingRefusalCode>>;
  /** Seqs the device declared it no longer holds, skipped before this message. */
  lost?: StreamLoss;
  /** Resolves with the device's stream head once everything this message carried is durable. */
  durable: Promise<{ h: number | null }>;
}

/**
 * A refused message says why (refusals.ts's PASSING_REFUSALS are the ones the device gets past
 * by resending); an accepted or duplicate one says nothing of the kind.
 */
export type IngestOutcome =
  | (OutcomeBase & { status: 'accepted'; code?: undefined; detail?: undefined })
  /** A resend, dropped; `behind` when its seq lies so far back that the device is told why (once a minute). */
  | (OutcomeBase & { status: 'duplicate'; code?: undefined; detail?: undefined; behind?: Refusal<SeqNoticeCode> })
  | (OutcomeBase & { status: 'refused' } & Refusal<IngestRefusalCode>);

export interface IngestOptions {
  /** Most readings in one write (a single larger message goes alone); a write starts at once when this many are pending. */
  batchSize: number;
  /** Extra wait before a write starts, to gather more per write; 0 writes at the next turn. */
  flushIntervalMs: number;
  maxPending: number;
}

interface Timer {
  readonly delayMs: number;
  cancel(): void;
}

export class Ingest implements Stage {
  readonly name = 'ingest';
  private readonly pending = new PendingQueue();
  private flushing: Promise<void> | null = null;
  private timer: Timer | null = null;
  private retryDelayMs = 0;
  /** How long the last write held the event loop before it returned, in ms. */
  private lastBlockingMs = 0;
  private stopped = true;
  private readonly checks: ReadingChecks;
  private readonly notices: IngestNotices;

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
  ) {
    this.checks = new ReadingChecks(deps.devices);
    this.notices = new IngestNotices(deps);
  }

  async start(): Promise<void> {
    this.stopped = false;
  }

  /** Flushes everything pending; after this, submit() refuses. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    while (this.hasPending() || this.flushing) {
      await this.flush();
      if (this.retryDelayMs > 0) break; // the store is failing; readings stay unacked and devices resend
    }
  }

  get pendingReadings(): number {
    return this.pending.readings;
  }

  /**
   * Takes a message. `onDurable`, when given, is called once its readings are durable: the same
   * moment `durable` resolves, without a promise per message for callers that need none.
   */
  submit(msg: IngestMessage, onDurable?: () => void): IngestOutcome {
    const now = (this.deps.clock ?? Date.now)();
    if (this.stopped) return this.refuse(msg, 'stopping', 'hub is shutting down; resend later');
    if (!this.deps.devices.get(msg.deviceId)) return this.refuse(msg, 'unknown_device', `unknown device ${msg.deviceId}`);
    const order = msg.seq === undefined ? { verdict: 'new' as const } : this.deps.streams.classify(msg.deviceId, msg.seq, msg.first);
    switch (order.verdict) {
      case 'duplicate': {
        this.deps.metrics.duplicateMessages(msg.source);
        const behind = this.notices.behind(msg, now);
        const durable = this.afterFlush(msg.deviceId);
        if (onDurable) durable.then(onDurable, () => {});
        return { status: 'duplicate', accepted: 0, refused: [], durable, ...(behind && { behind }) };
      }
      case 'gap':
        return this.refuse(
          msg,
          'seq_gap',
          `seq ${msg.seq} skips ahead of ${order.expected}; resend from the oldest message you hold, each with its "first"`,
        );
      case 'bad_first':
        return this.refuse(msg, 'bad_first', order.reason);
    }
    if (this.pending.readings + msg.readings.length > this.options.maxPending) {
      return this.refuse(msg, 'busy', 'hub is buffering too many unwritten readings; resend later');
    }
    if (msg.seq !== undefined) this.deps.streams.accept(msg.deviceId, msg.seq, msg.first);
    if (order.lost) this.notices.loss(msg, order.lost);

    const { metrics, numbers, refused } = this.checks.check(msg, now);
    if (refused.length > 0) this.notices.readingsRefused(msg, refused);
    const ticket = new DurableTicket(this.deps.streams, msg.deviceId, onDurable);
    const entry: PendingEntry = { deviceId: msg.deviceId, metrics, numbers, seenAt: now, waiters: [ticket] };
    if (msg.seq !== undefined) entry.h = msg.seq;
    this.pending.add(entry);
    this.deps.devices.touch(msg.deviceId, now);
    this.noteMetrics(msg.deviceId, metrics);

    this.schedule();
    return new Accepted(metrics.length, refused, ticket, order.lost);
  }

  private noteMetrics(deviceId: string, metrics: readonly string[]): void {
    this.deps.devices
      .noteMetrics(deviceId, metrics)
      ?.catch((err) => this.deps.log.error({ err, deviceId }, 'could not record new metrics'));
  }

  private refuse(msg: IngestMessage, code: IngestRefusalCode, detail: string): IngestOutcome {
    this.notices.messageRefused(msg, code, detail);
    return silence({ status: 'refused', accepted: 0, refused: [], code, detail, durable: Promise.reject(new Error(detail)) });
  }

  /**
   * Resolves with the device's head once nothing taken from it is pending: the answer a device
   * gets when it comes back, so a fresh boot numbering from h + 1 collides with nothing still
   * being written. Checked again after each flush: while this waited, another life of the device
   * (a reboot that was answered earlier) may have sent messages that are not durable yet.
   */
  async settled(deviceId: string): Promise<{ h: number | null }> {
    while (!this.deps.streams.settled(deviceId)) await this.afterFlush(deviceId);
    return { h: this.deps.streams.head(deviceId) };
  }

  /** The device says (serial heartbeat) its oldest held seq is `first`: skip what it gave up. */
  declareOldest(deviceId: string, first: number, source: string): StreamLoss | null {
    const lost = this.deps.streams.declareOldest(deviceId, first);
    if (!lost) return null;
    this.notices.loss({ deviceId, source }, lost);
    // The head moves over the loss once what is pending before it is durable, and is stored then.
    this.pending.add({ deviceId, metrics: [], numbers: [], h: lost.to, waiters: [] });
    this.schedule();
    return lost;
  }

  /** Writes what is pending now, up to `batchSize` readings; resolves when that write (and any before it) is done. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.hasPending()) return;
    const current = this.pending.take(this.options.batchSize);
    this.flushing = this.write(current).finally(() => {
      this.flushing = null;
      // Group commit: what queued during this write goes in the next one, started right away.
      this.schedule();
    });
    await this.flushing;
  }

  private hasPending(): boolean {
    return !this.pending.isEmpty;
  }

  private async write(current: PendingWrite): Promise<void> {
    const started = performance.now();
    try {
      const writing = this.deps.store.writeBatch(current.batch);
      // The part of the write that ran before it returned held the event loop (all of it for
      // SQLite, next to nothing for MongoDB): no message could queue meanwhile.
      this.lastBlockingMs = performance.now() - started;
      const result = await writing;
      this.retryDelayMs = 0;
      this.deps.metrics.flushed(performance.now() - started, result.inserted, result.duplicates);
    } catch (err) {
      this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 100), 5_000);
      this.deps.log.error({ err, readings: current.batch.readings.length, retryInMs: this.retryDelayMs }, 'store write failed; will retry');
      this.deps.metrics.flushFailed();
      this.pending.putBack(current);
      return; // flush() schedules the retry after the backoff (none after stop(): devices resend)
    }
    for (const head of current.batch.heads) this.deps.streams.durable(head.deviceId, head.h);
    for (const m of current.messages) this.deps.bus.emit('readings', m);
    for (const waiter of current.waiters) waiter.wake();
  }

  private afterFlush(deviceId: string): Promise<{ h: number | null }> {
    return new Promise((resolve) => {
      this.pending.addWaiter(deviceId, { wake: () => resolve({ h: this.deps.streams.head(deviceId) }) });
      this.schedule();
    });
  }

  /**
   * Starts the next write unless one is running or already timed: at once when a batch is full,
   * after `flushIntervalMs` otherwise (0: the next turn of the event loop, so messages that
   * arrive together are written together), and after the backoff while the store is failing.
   */
  private schedule(): void {
    if (this.flushing || !this.hasPending()) return;
    if (this.retryDelayMs > 0) {
      if (!this.timer && !this.stopped) this.timer = this.after(this.retryDelayMs);
      return;
    }
    const full = this.pending.readings >= this.options.batchSize;
    if (full && this.timer && this.timer.delayMs > 0) {
      this.timer.cancel();
      this.timer = null;
    }
    // Group commit: what queued during the last write goes in the next. A write that held the event
    // loop (SQLite) let nothing queue, so the next one gathers for as long as it held it instead:
    // a write's fixed cost (transaction, fsync) then takes at most about half the time, and under
    // light load the wait is about a millisecond.
    const gather = this.lastBlockingMs >= 1 ? this.lastBlockingMs : 0; // below a timer's resolution: write at the next turn
    if (!this.timer) this.timer = this.after(full ? 0 : Math.max(this.options.flushIntervalMs, gather));
  }

  private after(delayMs: number): Timer {
    const run = (): void => {
      this.timer = null;
      void this.flush();
    };
    if (delayMs <= 0) {
      const immediate = setImmediate(run);
      return { delayMs: 0, cancel: () => clearImmediate(immediate) };
    }
    const timeout = setTimeout(run, delayMs);
    return { delayMs, cancel: () => clearTimeout(timeout) };
  }
}

/** A refused message's durable promise rejects; keep it from surfacing as an unhandled rejection. */
function silence(outcome: IngestOutcome): IngestOutcome {
  outcome.durable.catch(() => {});
  return outcome;
}
