// What ingest has taken but not yet written, in the order it was taken. Kept message by message so
// a write can take a bounded prefix: after an outage the backlog goes out in writes of a bounded
// size (a store transaction has size and time limits) instead of one write that never fits.
// A waiter joins the last entry: it is woken once everything taken before it is durable.
//
// An entry keeps its readings as two arrays (names, and times and values as unboxed doubles), not
// as an object per reading: when the store falls behind, the backlog lives for several young
// generation collections, and each one copies every object still alive. Reading objects are made
// when a write takes the entry, and die with the write.
import type { Reading } from './model.js';
import type { StreamHead, WriteBatch } from './store.js';

/** Woken once everything taken before it, and its own entry, is durable. */
export interface Waiter {
  wake(): void;
}

export interface PendingEntry {
  deviceId: string;
  /** Each reading's metric name, in order. */
  metrics: string[];
  /** Each reading's time then value, in the order of `metrics` (2 numbers per reading). */
  numbers: number[];
  /** The stream head this entry moves the device to, written in the same transaction. */
  h?: number;
  /** When the device was heard (a message); absent for a head moved over a declared loss. */
  seenAt?: number;
  waiters: Waiter[];
}

/** One write's worth of entries, and what to do once it is durable. */
export interface PendingWrite {
  batch: WriteBatch;
  messages: Array<{ deviceId: string; readings: Reading[] }>;
  waiters: Waiter[];
  entries: PendingEntry[];
}

export class PendingQueue {
  private entries: PendingEntry[] = [];
  private readingCount = 0;

  get readings(): number {
    return this.readingCount;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  add(entry: PendingEntry): void {
    this.entries.push(entry);
    this.readingCount += entry.metrics.length;
  }

  /** Wakes `waiter` once everything queued now is durable (an empty write if nothing is). */
  addWaiter(deviceId: string, waiter: Waiter): void {
    const last = this.entries.at(-1);
    if (last) last.waiters.push(waiter);
    else this.add({ deviceId, metrics: [], numbers: [], waiters: [waiter] });
  }

  /**
   * Takes entries from the front while they fit in `maxReadings`; always at least one, so a
   * single message larger than the cap is still written (alone).
   */
  take(maxReadings: number): PendingWrite {
    let count = 0;
    let n = 0;
    while (n < this.entries.length) {
      const size = this.entries[n]!.metrics.length;
      if (n > 0 && count + size > maxReadings) break;
      count += size;
      n += 1;
    }
    const entries = this.entries.splice(0, n);
    this.readingCount -= count;
    return toWrite(entries);
  }

  /** A failed write's entries go back in front of what queued meanwhile, to be written first. */
  putBack(write: PendingWrite): void {
    this.entries.unshift(...write.entries);
    for (const e of write.entries) this.readingCount += e.metrics.length;
  }
}

/**
 * One write of `entries`. A device's later head supersedes its earlier ones (its seqs are taken in
 * order) and only its latest time heard counts, so the batch carries one of each per device: a
 * write of many messages from few devices updates each device once, not once per message.
 */
function toWrite(entries: PendingEntry[]): PendingWrite {
  const write: PendingWrite = { batch: { readings: [], heads: [], lastSeen: [] }, messages: [], waiters: [], entries };
  const headAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  for (const e of entries) {
    const readings = readingsOf(e);
    for (let i = 0; i < readings.length; i++) write.batch.readings.push(readings[i]!);
    if (e.h !== undefined) keepLatest(write.batch.heads, headAt, e.deviceId, { deviceId: e.deviceId, h: e.h });
    if (e.seenAt !== undefined) {
      const at = seenAt.get(e.deviceId);
      if (at === undefined) seenAt.set(e.deviceId, write.batch.lastSeen.push({ deviceId: e.deviceId, ts: e.seenAt }) - 1);
      else if (e.seenAt > write.batch.lastSeen[at]!.ts) write.batch.lastSeen[at]!.ts = e.seenAt;
    }
    if (readings.length > 0) write.messages.push({ deviceId: e.deviceId, readings });
    for (const w of e.waiters) write.waiters.push(w);
  }
  return write;
}

function readingsOf(e: PendingEntry): Reading[] {
  const { deviceId, metrics, numbers } = e;
  const readings: Reading[] = new Array(metrics.length);
  for (let i = 0; i < metrics.length; i++) readings[i] = { deviceId, metric: metrics[i]!, ts: numbers[2 * i]!, value: numbers[2 * i + 1]! };
  return readings;
}

function keepLatest(heads: StreamHead[], at: Map<string, number>, deviceId: string, head: StreamHead): void {
  const i = at.get(deviceId);
  if (i === undefined) at.set(deviceId, heads.push(head) - 1);
  else heads[i] = head;
}
