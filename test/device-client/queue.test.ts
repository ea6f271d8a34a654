// The device's persistent queue: numbering, acks with uint32 wrap-around, a fresh device
// continuing after the hub's head, surviving a restart of the device process, the oldest held
// seq (`first`), and messages given up (too large for the hub, or refused by it for good).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTelemetry, encodedSize, MessageQueue } from '../../src/device-client/queue.js';
import { tempDir } from '../helpers/teardown.js';

test('a fresh queue renumbers what it holds to follow the hub head, then drops what is acked', () => {
  const q = new MessageQueue();
  q.load();
  q.push({ readings: { a: 1 } });
  q.push({ readings: { a: 2 } });
  q.resume(41);
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [42, 43],
  );
  assert.equal(q.push({ readings: { a: 3 } }).seq, 44);
  assert.equal(q.ack(43), 2);
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [44],
  );
  assert.equal(q.ack(40), 0, 'an old head drops nothing');
});

test('sequence numbers wrap after 4294967295 and acks follow across the wrap', () => {
  const q = new MessageQueue();
  q.resume(2 ** 32 - 3);
  const seqs = [1, 2, 3, 4].map(() => q.push({ readings: { x: 0 } }).seq);
  assert.deepEqual(seqs, [4294967294, 4294967295, 0, 1]);
  assert.equal(q.ack(0), 3);
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [1],
  );
});

test('the file keeps unacked messages and the numbering across a restart; a torn last line is ignored', (t) => {
  const file = join(tempDir(t, 'device-queue-'), 'q.jsonl');
  const first = new MessageQueue(file);
  first.load();
  first.resume(null);
  for (let i = 0; i < 5; i++) first.push({ readings: { i } });
  first.ack(1);
  appendFileSync(file, '{"seq":5,"bo');
  const second = new MessageQueue(file);
  second.load();
  assert.deepEqual(
    second.pending().map((m) => [m.seq, m.body]),
    [
      [2, { readings: { i: 2 } }],
      [3, { readings: { i: 3 } }],
      [4, { readings: { i: 4 } }],
    ],
  );
  second.resume(1);
  assert.equal(second.push({ readings: { i: 5 } }).seq, 5, 'a queue with state is not renumbered');
  const third = new MessageQueue(file);
  third.load();
  assert.deepEqual(
    third.pending().map((m) => m.seq),
    [2, 3, 4, 5],
    'the message appended after the torn line survives',
  );
});

test('messages queued before the first connection stay fresh across a restart', (t) => {
  const file = join(tempDir(t, 'device-queue-'), 'fresh.jsonl');
  const first = new MessageQueue(file);
  first.load();
  first.push({ readings: { i: 0 } });
  const second = new MessageQueue(file);
  second.load();
  second.resume(999);
  assert.deepEqual(
    second.pending().map((m) => m.seq),
    [1000],
  );
});

test('a queue whose numbers the hub head has overtaken continues after the head instead of being taken for resends', () => {
  const q = new MessageQueue();
  q.resume(null);
  q.push({ readings: { i: 0 } });
  q.push({ readings: { i: 1 } });
  q.resume(5000);
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [5001, 5002],
  );
  assert.equal(q.push({ readings: { i: 2 } }).seq, 5003);
  q.resume(5001);
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [5002, 5003],
    'a head behind the queue only drops what it covers',
  );
});

test('first is the oldest held seq, or the next seq when nothing is held; a dropped message leaves the rest in order', () => {
  const q = new MessageQueue();
  q.resume(9);
  assert.equal(q.first, 10, 'nothing held: the next message is its own first');
  for (let i = 0; i < 4; i++) q.push({ readings: { i } });
  assert.equal(q.first, 10);
  assert.equal(q.drop(10), true);
  assert.equal(q.drop(12), true);
  assert.equal(q.drop(99), false, 'a seq not held is no-op');
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [11, 13],
  );
  assert.equal(q.first, 11);
  assert.equal(q.push({ readings: { i: 4 } }).seq, 14, 'numbering goes on after a drop');
});

test('resume gives up messages larger than the hub takes; a fresh queue then numbers the rest without a hole', () => {
  const q = new MessageQueue();
  q.push({ readings: { small: 1 } });
  q.push({ readings: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`m${i}`, i])) });
  q.push({ readings: { small: 2 } });
  const dropped = q.resume(41, (m) => encodedSize(m.body) > 1024);
  assert.equal(dropped.length, 1);
  assert.ok(encodedSize(dropped[0].body) > 1024);
  assert.deepEqual(
    q.pending().map((m) => [m.seq, m.body]),
    [
      [42, { readings: { small: 1 } }],
      [43, { readings: { small: 2 } }],
    ],
  );
  const size = encodedSize({ readings: { small: 1 } });
  assert.ok(
    size >= Buffer.byteLength(encodeTelemetry(4294967295, 4294967295, { readings: { small: 1 } })),
    'measured with the widest numbers',
  );
});

test('a queue file written before first existed loads unchanged, and a drop is persisted', (t) => {
  const file = join(tempDir(t, 'device-queue-'), 'old-format.jsonl');
  // The format has no `first`: a header and {seq, body} lines, as older clients wrote it.
  writeFileSync(file, '{"nextSeq":7,"fresh":false}\n{"seq":7,"body":{"readings":{"i":7}}}\n{"seq":8,"body":{"readings":{"i":8}}}\n');
  const q = new MessageQueue(file);
  q.load();
  assert.deepEqual(
    q.pending().map((m) => m.seq),
    [7, 8],
  );
  assert.equal(q.first, 7);
  q.drop(7);
  const again = new MessageQueue(file);
  again.load();
  assert.deepEqual(
    again.pending().map((m) => m.seq),
    [8],
  );
  assert.equal(again.first, 8);
  assert.equal(again.push({ readings: { i: 9 } }).seq, 9);
  assert.deepEqual(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line).seq),
    [8, 9],
    'still one {seq, body} line per message',
  );
});

test('messages pushed before load are not read twice from the file', (t) => {
  const file = join(tempDir(t, 'device-queue-'), 'early.jsonl');
  const q = new MessageQueue(file);
  q.push({ readings: { i: 0 } });
  q.load();
  assert.equal(q.size, 1);
});
