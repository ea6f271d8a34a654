// The pending queue's writes: readings in the order taken, and per device one stream head (the
// latest taken) and one time heard (the latest), however many of its messages the write holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingQueue } from '../../src/core/pending.js';

/** An entry's readings of metric `v`, each valued as its time. */
const readings = (...times: number[]) => ({ metrics: times.map(() => 'v'), numbers: times.flatMap((ts) => [ts, ts]) });
const none = { metrics: [], numbers: [] };

test('a write carries every reading, and one head and one time heard per device, the latest', () => {
  const queue = new PendingQueue();
  const woken: number[] = [];
  queue.add({ deviceId: 'a', ...readings(1), h: 4_294_967_295, seenAt: 10, waiters: [{ wake: () => woken.push(1) }] });
  queue.add({ deviceId: 'b', ...readings(2), h: 7, seenAt: 30, waiters: [{ wake: () => woken.push(2) }] });
  // The seq wrapped: the head taken later is the newer one.
  queue.add({ deviceId: 'a', ...readings(3), h: 0, seenAt: 20, waiters: [{ wake: () => woken.push(3) }] });
  // A head moved over a declared loss carries no time heard; an earlier time does not win.
  queue.add({ deviceId: 'b', ...none, h: 9, waiters: [] });
  queue.add({ deviceId: 'b', ...readings(4, 5), seenAt: 25, waiters: [{ wake: () => woken.push(4) }] });

  const write = queue.take(100);
  assert.deepEqual(write.batch.readings, [
    { deviceId: 'a', metric: 'v', ts: 1, value: 1 },
    { deviceId: 'b', metric: 'v', ts: 2, value: 2 },
    { deviceId: 'a', metric: 'v', ts: 3, value: 3 },
    { deviceId: 'b', metric: 'v', ts: 4, value: 4 },
    { deviceId: 'b', metric: 'v', ts: 5, value: 5 },
  ]);
  assert.deepEqual(
    write.messages.map((m) => [m.deviceId, m.readings.map((r) => r.ts)]),
    [
      ['a', [1]],
      ['b', [2]],
      ['a', [3]],
      ['b', [4, 5]],
    ],
  );
  assert.deepEqual(write.batch.heads, [
    { deviceId: 'a', h: 0 },
    { deviceId: 'b', h: 9 },
  ]);
  assert.deepEqual(write.batch.lastSeen, [
    { deviceId: 'a', ts: 20 },
    { deviceId: 'b', ts: 30 },
  ]);
  for (const waiter of write.waiters) waiter.wake();
  assert.deepEqual(woken, [1, 2, 3, 4]);
  assert.equal(queue.isEmpty, true);
});

test('a write takes whole messages up to the cap, at least one; a failed write goes back in front', () => {
  const queue = new PendingQueue();
  for (let i = 0; i < 3; i++) queue.add({ deviceId: 'a', ...readings(i, i + 0.5), h: i, waiters: [] });
  const first = queue.take(3);
  assert.equal(first.batch.readings.length, 2, 'a second message would pass the cap');
  assert.deepEqual(first.batch.heads, [{ deviceId: 'a', h: 0 }]);
  queue.putBack(first);
  assert.equal(queue.readings, 6);
  assert.deepEqual(queue.take(100).batch.heads, [{ deviceId: 'a', h: 2 }]);
});
