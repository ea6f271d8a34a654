// A resend is normal: a message at or before the stream's head is dropped without a word. But a
// device whose seq went far backwards (a script run again from seq 0, a reflashed board) would
// otherwise see every reading vanish without a reason. Such a device is told why, once a minute:
// a `seq_behind` refusal, counted and reported like any other, while its messages stay dropped.
import { seqDistance } from './model.js';
import type { Refusal } from './refusals.js';

/** Further behind the highest seq taken than any resend goes. */
export const FAR_BEHIND = 1_000;
/** A device hears this at most once per device and interval. */
export const NOTICE_INTERVAL_MS = 60_000;
/** Devices whose last notice is remembered; past this the oldest is forgotten. */
const MAX_DEVICES = 10_000;

export class SeqBehindNotices {
  private readonly lastNotice = new Map<string, number>();

  /**
   * For a duplicate `seq` when the highest seq taken is `accepted`: the refusal to tell the device,
   * or null (a plain resend, or told within the interval).
   */
  check(deviceId: string, seq: number, accepted: number, now: number): Refusal<'seq_behind'> | null {
    const behind = seqDistance(seq, accepted);
    // seq 0 or 1 again: a device starting over, however short its earlier stream.
    if (behind <= FAR_BEHIND && seq > 1) return null;
    const last = this.lastNotice.get(deviceId);
    if (last !== undefined && now - last < NOTICE_INTERVAL_MS) return null;
    this.lastNotice.delete(deviceId);
    if (this.lastNotice.size >= MAX_DEVICES) this.lastNotice.delete(this.lastNotice.keys().next().value as string);
    this.lastNotice.set(deviceId, now);
    return {
      code: 'seq_behind',
      detail:
        `seq ${seq} is ${behind} behind ${accepted}, the highest this hub holds from this device: its readings are ignored as ` +
        `already stored. A device that starts over continues after the head it is told on devices/<id>/ack (${accepted}), ` +
        'or is removed and added again',
    };
  }

  forget(deviceId: string): void {
    this.lastNotice.delete(deviceId);
  }
}
