// The device's persistent queue: numbering, acks with uint32 wrap-around, a fresh device
// continuing after the hub's head, and surviving a restart of the device process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageQueue } from '../../src/device-client/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'device-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a fresh queue renumbers what it holds to follow the hub head, then drops what is acked', () => {
  const q = new MessageQueue();
  q.load();
  q.push({ readings: { a: 1 } });
  q.push({ readings: { a: 2 } });
  q.resume(41);
  assert.deepEqual(q.pending().map((m) => m.seq), [42, 43]);
  assert.equal(q.push({ readings: { a: 3 } }).seq, 44);
  assert.equal(q.ack(43), 2);
  assert.deepEqual(q.pending().map((m) => m.seq), [44]);
  assert.equal(q.ack(40), 0, 'an old head drops nothing');
});

test('sequence numbers wrap after 4294967295 and acks follow across the wrap', () => {
  const q = new MessageQueue();
  q.resume(2 ** 32 - 3);
  const seqs = [1, 2, 3, 4].map(() => q.push({ readings: { x: 0 } }).seq);
  assert.deepEqual(seqs, [4294967294, 4294967295, 0, 1]);
  assert.equal(q.ack(0), 3);
  assert.deepEqual(q.pending().map((m) => m.seq), [1]);
});

test('the file keeps unacked messages and the numbering across a restart; a torn last line is ignored', () => {
  const file = join(dir, 'q.jsonl');
  const first = new MessageQueue(file);
  first.load();
  first.resume(null);
  for (let i = 0; i < 5; i++) first.push({ readings: { i } });
  first.ack(1);
  appendFileSync(file, '{"seq":5,"bo');
  const second = new MessageQueue(file);
  second.load();
  assert.deepEqual(second.pending().map((m) => [m.seq, m.body]), [[2, { readings: { i: 2 } }], [3, { readings: { i: 3 } }], [4, { readings: { i: 4 } }]]);
  second.resume(1);
  assert.equal(second.push({ readings: { i: 5 } }).seq, 5, 'a queue with state is not renumbered');
  const third = new MessageQueue(file);
  third.load();
  assert.deepEqual(third.pending().map((m) => m.seq), [2, 3, 4, 5], 'the message appended after the torn line survives');
});

test('messages queued before the first connection stay fresh across a restart', () => {
  const file = join(dir, 'fresh.jsonl');
  const first = new MessageQueue(file);
  first.load();
  first.push({ readings: { i: 0 } });
  const second = new MessageQueue(file);
  second.load();
  second.resume(999);
  assert.deepEqual(second.pending().map((m) => m.seq), [1000]);
});

test('a queue whose numbers the hub head has overtaken continues after the head instead of being taken for resends', () => {
  const q = new MessageQueue();
  q.resume(null);
  q.push({ readings: { i: 0 } });
  q.push({ readings: { i: 1 } });
  q.resume(5000);
  assert.deepEqual(q.pending().map((m) => m.seq), [5001, 5002]);
  assert.equal(q.push({ readings: { i: 2 } }).seq, 5003);
  q.resume(5001);
  assert.deepEqual(q.pending().map((m) => m.seq), [5002, 5003], 'a head behind the queue only drops what it covers');
});
