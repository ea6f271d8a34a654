// The writer's set of an hour's offsets (hour-times.ts) against a plain Set, for offsets in time
// order, out of order, repeated and taken out again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HourTimes } from '../../../src/storage/sqlite/hour-times.js';

test('holds the same offsets as a Set, whatever their order, and takes failed ones out again', () => {
  let seed = 7;
  const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
  const times = new HourTimes();
  const set = new Set<number>();
  for (let round = 0; round < 200; round++) {
    // Mostly ahead of what is held, sometimes behind it (a late batch), some repeats.
    const base = round * 10_000 - (random() < 0.2 ? Math.floor(random() * 500_000) : 0);
    const added: number[] = [];
    for (let k = 0; k < 50; k++) {
      const offset = Math.max(0, base + Math.floor(random() * 20_000));
      assert.equal(times.has(offset), set.has(offset), `has(${offset})`);
      if (set.has(offset)) continue;
      times.add(offset);
      set.add(offset);
      added.push(offset);
    }
    if (random() < 0.3) {
      // A write that did not commit: its offsets go, the last added first.
      for (const offset of added.reverse()) {
        times.delete(offset);
        set.delete(offset);
      }
    }
    assert.equal(times.size, set.size);
  }
  for (let offset = 0; offset < 2_100_000; offset += 997) assert.equal(times.has(offset), set.has(offset), `has(${offset})`);
  for (const offset of set) assert.ok(times.has(offset));
});
