// The sliding window of increase and rate rules on its own: the increase over the window ending
// at the newest sample counts as agg=increase counts (the rise from the sample before the window
// included, a drop as a reset), and the window holds a bounded number of slots whatever the rate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingIncrease, WINDOW_SLOTS } from '../../../src/core/alerts/sliding-increase.js';

const HOUR = 3_600_000;

describe('SlidingIncrease', () => {
  it('sums the rises of the window, the one from the sample before it included, a drop as a reset', () => {
    const w = new SlidingIncrease(HOUR);
    w.add(0, 100);
    w.add(HOUR / 2, 101);
    assert.equal(w.increase(), 1);
    w.add(HOUR, 103); // (0, 1h]: the rises at 30 min and 60 min
    assert.equal(w.increase(), 3);
    w.add(HOUR + 10 * 60_000, 0.5); // reset: the rise is the new value
    assert.equal(w.increase(), 3.5);
    w.add(2 * HOUR, 1); // (1h, 2h]: the reset and this rise
    assert.equal(w.increase(), 1);
    assert.equal(w.rate(), 1 / 3600);
  });

  it('refuses a sample at or before the newest one and judges nothing from it', () => {
    const w = new SlidingIncrease(HOUR);
    assert.equal(w.add(1000, 5), true);
    assert.equal(w.add(1000, 1), false, 'a second value for the same instant');
    assert.equal(w.add(500, 9), false, 'an older sample');
    assert.equal(w.add(2000, 6), true);
    assert.equal(w.increase(), 1);
  });

  it('holds at most WINDOW_SLOTS + 1 slots, and stays exact for a steady counter', () => {
    const w = new SlidingIncrease(HOUR);
    // A sample every 100 ms for three hours, one unit per second.
    for (let t = 0; t <= 3 * HOUR; t += 100) w.add(t, t / 1000);
    assert.ok(w.size <= WINDOW_SLOTS + 1, `${w.size} slots`);
    // Each slot leaves with its first sample, so at most one slot's rises are missing.
    const slotRise = HOUR / WINDOW_SLOTS / 1000;
    assert.ok(w.increase() <= 3600 && w.increase() >= 3600 - slotRise - 0.2, String(w.increase()));
  });
});
