// Keeps a serial stream free of holes. Unlike MQTT over TCP, a serial line can lose a frame to
// noise while the frames after it arrive intact; taking those would move the stream head past
// the lost one and the device would free it unsent. So a frame that skips ahead is held back and
// the device is asked to resend from the head (a `welcome h`), which it does from its oldest
// unacked sample. A gap is accepted only when the device itself says (in a heartbeat, which it
// also sends right after every welcome) that its oldest sample comes after the missing ones:
// its ring overflowed and they are gone. Guessing from the frames alone would be wrong on a
// noisy line, where a resend can be destroyed again.
import { seqAfter, seqDistance, seqNext } from '../../../core/model.js';

/** How long to wait for the resend before asking again (the request itself may be lost). */
const ASK_AGAIN_AFTER_MS = 1_000;

export type SeqVerdict = { verdict: 'take'; resend: boolean } | { verdict: 'gap'; expected: number; askResend: boolean };

export class SequenceGuard {
  private expected: number | null = null;
  private askedAt: number | null = null;

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * After a welcome with head h the device continues at h + 1. After `welcome -` (nothing stored
   * yet) a fresh device numbers from 0; one that numbered earlier says its oldest in the
   * heartbeat it sends right after the welcome, and the guard goes on from there.
   */
  restart(h: number | null): void {
    this.expected = h === null ? 0 : seqNext(h);
    this.askedAt = null;
  }

  /** The frame `seq` was not taken after all (ingest refused it): the stream must go on from it. */
  holdAt(seq: number): void {
    this.expected = seq;
    this.askedAt = null;
  }

  check(seq: number): SeqVerdict {
    const expected = this.expected;
    if (expected === null || seq === expected) {
      this.expected = seqNext(seq);
      this.askedAt = null;
      return { verdict: 'take', resend: false };
    }
    // Before the expected one: a resend of something already taken; ingest drops it and it is acked again.
    if (seqAfter(seq, expected)) return { verdict: 'take', resend: true };
    const now = this.clock();
    const askResend = this.askedAt === null || now - this.askedAt >= ASK_AGAIN_AFTER_MS;
    if (askResend) this.askedAt = now;
    return { verdict: 'gap', expected, askResend };
  }

  /**
   * The device's oldest held sample is `first`. When that is after the expected one, what lies
   * between is gone from the device: the stream goes on from `first`. Returns how many were lost.
   */
  deviceOldest(first: number): number {
    const expected = this.expected;
    if (expected === null || !seqAfter(expected, first)) return 0;
    this.expected = first;
    this.askedAt = null;
    return seqDistance(expected, first);
  }
}
