// Acked stream management in the spirit of XEP-0198. Per device the ledger knows:
//   h        the highest sequence number such that it and everything before it is durable,
//            restored from the store at start;
//   accepted the highest sequence number taken into the pipeline (durable or still pending).
// A message whose seq is at or before `accepted` is a resend and is dropped without a second
// write. Devices send in order, so a seq further ahead than accepted+1 means the device skipped
// numbers (for example after losing its buffer); the ledger jumps over the gap and counts it.
import { seqAfter, seqDistance, seqNext } from './model.js';

export type SeqVerdict = 'new' | 'duplicate';

interface Ledger {
  h: number | null;
  accepted: number | null;
}

export class StreamLedger {
  private readonly ledgers = new Map<string, Ledger>();
  gapsSkipped = 0;

  restore(deviceId: string, h: number | null): void {
    this.ledgers.set(deviceId, { h, accepted: h });
  }

  /** The head to announce to a device on (re)connect: it resends everything after it. */
  head(deviceId: string): number | null {
    return this.ledgers.get(deviceId)?.h ?? null;
  }

  /** Classifies a message's seq and, when new, takes it as accepted. */
  accept(deviceId: string, seq: number): SeqVerdict {
    const ledger = this.ledger(deviceId);
    if (ledger.accepted !== null && !seqAfter(ledger.accepted, seq)) return 'duplicate';
    if (ledger.accepted !== null && seqDistance(ledger.accepted, seq) > 1) this.gapsSkipped += 1;
    ledger.accepted = seq;
    return 'new';
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
