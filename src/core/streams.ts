// Acked stream management in the spirit of XEP-0198. Per device the ledger knows:
//   h        the highest sequence number such that it and everything before it is durable,
//            restored from the store at start;
//   accepted the highest sequence number taken into the pipeline (durable or still pending).
// A message whose seq is at or before `accepted` is a resend and is dropped without a second
// write. Devices send in order, so a seq further ahead than accepted+1 means the device skipped
// numbers (for example after losing its buffer); the ledger jumps over the gap and counts it.
// Except after the hub itself refused one of the device's messages: then the gap is of the hub's
// making, and later messages are refused until the device resends the one after `accepted`.
import { seqAfter, seqDistance, seqNext } from './model.js';

export type SeqVerdict = 'new' | 'duplicate' | 'gap';

interface Ledger {
  h: number | null;
  accepted: number | null;
  /** Set when the hub refused a message: no jumping over gaps until the stream is contiguous again. */
  contiguousOnly: boolean;
}

export class StreamLedger {
  private readonly ledgers = new Map<string, Ledger>();
  gapsSkipped = 0;

  restore(deviceId: string, h: number | null): void {
    this.ledgers.set(deviceId, { h, accepted: h, contiguousOnly: false });
  }

  /** The head to announce to a device on (re)connect: it resends everything after it. */
  head(deviceId: string): number | null {
    return this.ledgers.get(deviceId)?.h ?? null;
  }

  /** What a message with this seq would be, without taking it. */
  classify(deviceId: string, seq: number): SeqVerdict {
    const ledger = this.ledger(deviceId);
    if (ledger.accepted === null) return 'new';
    if (!seqAfter(ledger.accepted, seq)) return 'duplicate';
    if (ledger.contiguousOnly && seqDistance(ledger.accepted, seq) > 1) return 'gap';
    return 'new';
  }

  /** Classifies a message's seq and, when new, takes it as accepted. */
  accept(deviceId: string, seq: number): SeqVerdict {
    const verdict = this.classify(deviceId, seq);
    if (verdict !== 'new') return verdict;
    const ledger = this.ledger(deviceId);
    if (ledger.accepted !== null && seqDistance(ledger.accepted, seq) > 1) this.gapsSkipped += 1;
    ledger.accepted = seq;
    ledger.contiguousOnly = false;
    return 'new';
  }

  /** The hub refused a message of this device; its seq must not be jumped over. */
  refused(deviceId: string): void {
    this.ledger(deviceId).contiguousOnly = true;
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
    if (!ledger) this.ledgers.set(deviceId, (ledger = { h: null, accepted: null, contiguousOnly: false }));
    return ledger;
  }
}
