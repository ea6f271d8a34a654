// What a message's `durable` stands on while it waits in the write queue. Most messages never
// need a promise: MQTT telemetry acks per device from a callback, and a device sending ahead of
// its acks keeps thousands of messages pending, each of which would otherwise hold a promise, its
// two resolving functions and a closure through every young-generation collection. The promise
// is made when a caller first asks for it.
import type { StreamLoss, StreamLedger } from './streams.js';
import type { Waiter } from './pending.js';
import type { ReadingRefusalCode, Refusal } from './refusals.js';

export type DurableHead = { h: number | null };

export class DurableTicket implements Waiter {
  private promise: Promise<DurableHead> | null = null;
  private resolve: ((head: DurableHead) => void) | null = null;
  private woken = false;

  constructor(
    private readonly streams: StreamLedger,
    private readonly deviceId: string,
    /** Called once the message is durable, before the promise (if any) resolves. */
    private readonly onDurable?: () => void,
  ) {}

  /** Resolves with the device's stream head once the message is durable. */
  get durable(): Promise<DurableHead> {
    this.promise ??= this.woken
      ? Promise.resolve(this.head())
      : new Promise<DurableHead>((resolve) => {
          this.resolve = resolve;
        });
    return this.promise;
  }

  wake(): void {
    this.woken = true;
    this.onDurable?.();
    this.resolve?.(this.head());
    this.resolve = null;
  }

  private head(): DurableHead {
    return { h: this.streams.head(this.deviceId) };
  }
}

/** An accepted message's outcome; `durable` comes from its ticket, made on first use. */
export class Accepted {
  readonly status = 'accepted' as const;

  constructor(
    readonly accepted: number,
    /** Readings refused alone; the rest of the message is kept. */
    readonly refused: Array<{ metric: string } & Refusal<ReadingRefusalCode>>,
    private readonly ticket: DurableTicket,
    /** Seqs the device declared it no longer holds, skipped before this message. */
    readonly lost?: StreamLoss,
  ) {}

  get durable(): Promise<DurableHead> {
    return this.ticket.durable;
  }
}
