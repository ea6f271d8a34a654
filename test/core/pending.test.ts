// The pending queue's writes: readings in the order taken, and per device one stream head (the
// latest taken) and one time heard (the latest), however many of its messages the write holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingQueue } from '../../src/core/pending.js';

const reading = (deviceId: string, ts: number) => ({ deviceId, metric: 'v', ts, value: ts });

test('a write carries every reading, and one head and one time heard per device, the latest', () => {
  const queue = new PendingQueue();
  const woken: number[] = [];
  queue.add({
    deviceId: 'a',
    readings: [reading('a', 1)],
    head: { deviceId: 'a', h: 4_294_967_295 },
    seenAt: 10,
    waiters: [() => woken.push(1)],
  });
  queue.add({ deviceId: 'b', readings: [reading('b', 2)], head: { deviceId: 'b', h: 7 }, seenAt: 30, waiters: [() => woken.push(2)] });
  // The seq wrapped: the head taken later is the newer one.
  queue.add({ deviceId: 'a', readings: [reading('a', 3)], head: { deviceId: 'a', h: 0 }, seenAt: 20, waiters: [() => woken.push(3)] });
  // A head moved over a declared loss carries no time heard; an earlier time does not win.
  queue.add({ deviceId: 'b', readings: [], head: { deviceId: 'b', h: 9 }, waiters: [] });
  queue.add({ deviceId: 'b', readings: [reading('b', 4)], seenAt: 25, waiters: [() => woken.push(4)] });

  const write = queue.take(100);
  assert.deepEqual(
    write.batch.readings.map((r) => r.ts),
    [1, 2, 3, 4],
  );
  assert.deepEqual(write.batch.heads, [
    { deviceId: 'a', h: 0 },
    { deviceId: 'b', h: 9 },
  ]);
  assert.deepEqual(write.batch.lastSeen, [
    { deviceId: 'a', ts: 20 },
    { deviceId: 'b', ts: 30 },
  ]);
  assert.equal(write.messages.length, 4);
  for (const wake of write.waiters) wake();
  assert.deepEqual(woken, [1, 2, 3, 4]);
  assert.equal(queue.isEmpty, true);
});

test('a write takes whole messages up to the cap, at least one; a failed write goes back in front', () => {
  const queue = new PendingQueue();
  for (let i = 0; i < 3; i++)
    queue.add({ deviceId: 'a', readings: [reading('a', i), reading('a', i + 0.5)], head: { deviceId: 'a', h: i }, waiters: [] });
  const first = queue.take(3);
  assert.equal(first.batch.readings.length, 2, 'a second message would pass the cap');
  assert.deepEqual(first.batch.heads, [{ deviceId: 'a', h: 0 }]);
  queue.putBack(first);
  assert.equal(queue.readings, 6);
  assert.deepEqual(queue.take(100).batch.heads, [{ deviceId: 'a', h: 2 }]);
});
