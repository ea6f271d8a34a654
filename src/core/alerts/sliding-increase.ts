// How much a counter grew over the last `windowMs` of reading time, for increase and rate rules.
// A rise between consecutive samples is booked at the later sample, the rise from the sample
// before the window included, a drop counted as a reset (riseBetween, as agg=increase does).
//
// Memory is bounded whatever the sample rate: rises are kept in at most WINDOW_SLOTS slots (plus
// one being filled), a slot gathering the rises of samples less than windowMs / WINDOW_SLOTS
// after the slot's first. A slot leaves the window when its first sample does, so the figure is
// exact while samples are at least that far apart (a 1 h window: 3.5 s) and otherwise may miss
// the rises of the oldest slot's later samples for a moment.
import { riseBetween } from '../counter-rise.js';

export const WINDOW_SLOTS = 1024;

interface Slot {
  /** Reading time of the slot's first sample. */
  t: number;
  rise: number;
}

export class SlidingIncrease {
  private readonly slots: Slot[] = [];
  private last: { t: number; v: number } | null = null;

  constructor(readonly windowMs: number) {}

  /** Reading time of the newest sample taken, if any. */
  get newest(): number | undefined {
    return this.last?.t;
  }

  /**
   * Takes a sample newer than the newest one; refuses (false) one at or before it, which arrives
   * too late to be judged in order and is history (or a second value for the same instant).
   */
  add(t: number, v: number): boolean {
    if (this.last && t <= this.last.t) return false;
    const rise = this.last ? riseBetween(this.last.v, v) : 0;
    this.last = { t, v };
    const tail = this.slots.at(-1);
    if (tail && t - tail.t < this.windowMs / WINDOW_SLOTS) tail.rise += rise;
    else this.slots.push({ t, rise });
    // The window is (t - windowMs, t]: a slot whose first sample is at its start or before leaves.
    while (this.slots.length > 0 && this.slots[0]!.t <= t - this.windowMs) this.slots.shift();
    return true;
  }

  /** The increase over the window ending at the newest sample. */
  increase(): number {
    let sum = 0;
    for (const slot of this.slots) sum += slot.rise;
    return sum;
  }

  /** The increase per second of the window's whole length. */
  rate(): number {
    return this.increase() / (this.windowMs / 1000);
  }

  /** Slots held now (at most WINDOW_SLOTS + 1). */
  get size(): number {
    return this.slots.length;
  }
}
