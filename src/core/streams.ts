// Acked stream management in the spirit of XEP-0198 (docs/protocol.md, "Stream rules"). Per
// device the ledger knows:
//   h        the highest sequence number such that it and everything before it is durable (or
//            was given up by the device itself), restored from the store at start;
//   accepted the highest sequence number taken into the pipeline (durable or still pending).
// The stream has no holes of the hub's making: the next message taken is accepted + 1. A seq at
// or before `accepted` is a resend, dropped without a second write. A seq further ahead is a gap
// and refused, unless the device declares with `first` (its oldest held seq) that it no longer
// holds the messages in between: only then does the ledger move on, counting them as lost by
// the device. So neither a refusal, nor a stray forward seq, nor a codec-refused message can
// make an ack cover something the hub never stored while the device still held it.
import { seqAfter, seqDistance, seqNext } from './model.js';

/** How far behind its seq a device may claim its oldest held message to be. */
export const MAX_HELD_SPAN = 2 ** 20;

/** The seqs a device declared it no longer holds: [from, to] inclusive. */
export interface StreamLoss {
  from: number;
  to: number;
  count: number;
}

export type SeqVerdict =
  | { verdict: 'new'; lost?: StreamLoss }
  | { verdict: 'duplicate' }
  | { verdict: 'gap'; expected: number }
  | { verdict: 'bad_first'; reason: string };

interface Ledger {
  h: number | null;
  accepted: number | null;
}

export class StreamLedger {
  private readonly ledgers = new Map<string, Ledger>();
  /** Declared losses taken (a count of events, not of seqs). */
  gapsSkipped = 0;
  /** Seqs the devices declared lost, summed. */
  seqsLost = 0;

  restore(deviceId: string, h: number | null): void {
    this.ledgers.set(deviceId, { h, accepted: h });
  }

  /** The head to announce to a device on (re)connect: it resends everything after it. */
  head(deviceId: string): number | null {
    return this.ledgers.get(deviceId)?.h ?? null;
  }

  /** The next seq the hub takes from this device; null when it takes any (no stream yet). */
  expected(deviceId: string): number | null {
    const accepted = this.ledgers.get(deviceId)?.accepted ?? null;
    return accepted === null ? null : seqNext(accepted);
  }

  /** True when everything taken from the device is durable (nothing of it is pending). */
  settled(deviceId: string): boolean {
    const ledger = this.ledgers.get(deviceId);
    return !ledger || ledger.accepted === ledger.h;
  }

  /** What a message with this seq (and the device's declared oldest held seq) would be, without taking it. */
  classify(deviceId: string, seq: number, first?: number): SeqVerdict {
    if (first !== undefined) {
      if (seqAfter(seq, first)) return { verdict: 'bad_first', reason: `first ${first} comes after seq ${seq}` };
      if (seqDistance(first, seq) >= MAX_HELD_SPAN)
        return { verdict: 'bad_first', reason: `first ${first} lies more than ${MAX_HELD_SPAN} before seq ${seq}` };
    }
    const expected = this.expected(deviceId);
    // No stream yet: it starts at the device's oldest held message, never past one it still holds.
    if (expected === null) return first === undefined || first === seq ? { verdict: 'new' } : { verdict: 'gap', expected: first };
    if (seq === expected) return { verdict: 'new' };
    if (seqAfter(seq, expected)) return { verdict: 'duplicate' };
    // seq skips ahead. Allowed only over what the device says it no longer holds.
    if (first === undefined || !seqAfter(expected, first)) return { verdict: 'gap', expected };
    if (first !== seq) return { verdict: 'gap', expected: first };
    const to = (first - 1 + 2 ** 32) % 2 ** 32;
    return { verdict: 'new', lost: { from: expected, to, count: seqDistance(expected, first) } };
  }

  /** Classifies and, when new, takes the seq as accepted (after any declared loss before it). */
  accept(deviceId: string, seq: number, first?: number): SeqVerdict {
    const verdict = this.classify(deviceId, seq, first);
    if (verdict.verdict !== 'new') return verdict;
    if (verdict.lost) {
      this.gapsSkipped += 1;
      this.seqsLost += verdict.lost.count;
    }
    this.ledger(deviceId).accepted = seq;
    return verdict;
  }

  /**
   * The device declares (serial heartbeat) that its oldest held seq is `first`: the seqs from
   * the expected one up to it are gone from the device. Returns the loss, or null when none.
   */
  declareOldest(deviceId: string, first: number): StreamLoss | null {
    const expected = this.expected(deviceId);
    if (expected === null || !seqAfter(expected, first)) return null;
    const to = (first - 1 + 2 ** 32) % 2 ** 32;
    const lost = { from: expected, to, count: seqDistance(expected, first) };
    const ledger = this.ledger(deviceId);
    // With nothing pending, everything up to `to` is durable or given up: the head moves too.
    if (ledger.accepted === ledger.h) ledger.h = to;
    ledger.accepted = to;
    this.gapsSkipped += 1;
    this.seqsLost += lost.count;
    return lost;
  }

  /** Called once the messages up to `seq` are durable. */
  durable(deviceId: string, seq: number): void {
    const ledger = this.ledger(deviceId);
    if (ledger.h === null || seqAfter(ledger.h, seq)) ledger.h = seq;
  }

  /** A device that starts a new stream (no backlog to resend) continues after the head. */
  nextSeqFor(deviceId: string): number {
    const h = this.head(deviceId);
    return h === null ? 0 : seqNext(h);
  }

  forget(deviceId: string): void {
    this.ledgers.delete(deviceId);
  }

  private ledger(deviceId: string): Ledger {
    let ledger = this.ledgers.get(deviceId);
    if (!ledger) this.ledgers.set(deviceId, (ledger = { h: null, accepted: null }));
    return ledger;
  }
}
