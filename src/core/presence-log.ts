// Presence history as a group commit, like readings: a write starts as soon as the previous one
// is done and takes everything queued meanwhile (at most `maxChanges`), in one store call and so
// one transaction. A fleet reconnecting at once then costs a few fsyncs, not one per device.
// Changes go out in the order they were made, so each device's history keeps its order.
//
// Presence is emitted on the bus before it is stored, and nothing waits on it being durable.
// A failed write is logged and retried after a backoff; past `maxQueued` changes the oldest are
// dropped (and logged) so an outage cannot grow the queue without bound. stop() writes what is
// queued, once.
import type { HubLogger } from './logger.js';
import type { PresenceChange } from './model.js';
import type { Store } from './store.js';

export interface PresenceLogOptions {
  /** Most changes one write takes. */
  maxChanges: number;
  /** Most changes kept while the store is failing. */
  maxQueued: number;
}

export interface PresenceLogMetrics {
  /** One store write of `changes` changes, done or failed. */
  presenceWritten(changes: number, ok: boolean): void;
}

export const DEFAULT_PRESENCE_LOG: PresenceLogOptions = { maxChanges: 1_000, maxQueued: 100_000 };

interface Waiter {
  /** Wakes once the changes numbered below `upTo` are out of the queue, or a write failed. */
  upTo: number;
  wake: () => void;
}

export class PresenceLog {
  private queue: PresenceChange[] = [];
  /** Changes ever added, and changes taken out of the queue (written or dropped). */
  private added = 0;
  private done = 0;
  private writing: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;
  private stopped = false;
  private waiters: Waiter[] = [];

  constructor(
    private readonly deps: { store: Pick<Store, 'appendPresence'>; log: HubLogger; metrics?: PresenceLogMetrics },
    private readonly options: PresenceLogOptions = DEFAULT_PRESENCE_LOG,
  ) {}

  add(change: PresenceChange): void {
    this.queue.push(change);
    this.added += 1;
    if (this.queue.length > this.options.maxQueued) this.dropOldest();
    this.kick();
  }

  /**
   * Resolves once every change added so far was written, or its write was tried and failed: a
   * history read then sees what the hub emitted, and does not hang through a store outage.
   */
  settled(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    if (this.retry && !this.writing) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ upTo: this.added, wake }));
  }

  /** Writes what is queued, once; what still fails is logged and given up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.writing;
    if (this.queue.length > 0) await this.writeNext(this.queue.length);
    if (this.queue.length > 0) {
      this.deps.log.error({ changes: this.queue.length }, 'presence changes not stored at stop');
      this.done += this.queue.length;
      this.queue = [];
    }
    this.wakeUpTo(this.added);
  }

  private kick(): void {
    if (this.writing || this.retry || this.stopped || this.queue.length === 0) return;
    this.writing = this.writeNext(this.options.maxChanges).finally(() => {
      this.writing = null;
      this.kick();
    });
  }

  private async writeNext(max: number): Promise<void> {
    const changes = this.queue.splice(0, max);
    try {
      await this.deps.store.appendPresence(changes);
      this.done += changes.length;
      this.retryDelayMs = 0;
      this.deps.metrics?.presenceWritten(changes.length, true);
      this.wakeUpTo(this.done);
    } catch (err) {
      this.deps.metrics?.presenceWritten(changes.length, false);
      this.queue.unshift(...changes); // first again, so each device's order holds
      if (this.queue.length > this.options.maxQueued) this.dropOldest();
      this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 100), 5_000);
      this.deps.log.error({ err, changes: changes.length, retryInMs: this.retryDelayMs }, 'could not store presence changes; will retry');
      if (!this.stopped) this.scheduleRetry();
      this.wakeUpTo(Number.POSITIVE_INFINITY); // reads go on while the store is failing
    }
  }

  private scheduleRetry(): void {
    this.retry = setTimeout(() => {
      this.retry = null;
      this.kick();
    }, this.retryDelayMs);
    this.retry.unref();
  }

  private dropOldest(): void {
    const dropped = this.queue.splice(0, this.queue.length - this.options.maxQueued);
    this.done += dropped.length;
    this.deps.log.error({ dropped: dropped.length }, 'presence changes dropped: the store has been failing too long');
  }

  private wakeUpTo(end: number): void {
    const ready = this.waiters.filter((w) => w.upTo <= end);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > end);
    for (const w of ready) w.wake();
  }
}
