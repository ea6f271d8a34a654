import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamLedger } from '../../src/core/streams.js';
import { seqAfter, seqDistance } from '../../src/core/model.js';

test('sequence arithmetic wraps at 2^32', () => {
  assert.equal(seqDistance(2 ** 32 - 1, 0), 1);
  assert.equal(seqAfter(2 ** 32 - 1, 0), true);
  assert.equal(seqAfter(0, 2 ** 32 - 1), false);
  assert.equal(seqAfter(5, 5), false);
  assert.equal(seqAfter(5, 6), true);
});

test('the ledger accepts each seq once and advances its head only when told it is durable', () => {
  const ledger = new StreamLedger();
  assert.equal(ledger.head('d'), null);
  assert.equal(ledger.nextSeqFor('d'), 0);
  assert.equal(ledger.accept('d', 10).verdict, 'new', 'a new stream starts anywhere');
  assert.equal(ledger.accept('d', 11).verdict, 'new');
  assert.equal(ledger.accept('d', 11).verdict, 'duplicate');
  assert.equal(ledger.accept('d', 3).verdict, 'duplicate');
  assert.equal(ledger.head('d'), null, 'nothing durable yet');
  assert.equal(ledger.settled('d'), false);
  ledger.durable('d', 11);
  assert.equal(ledger.head('d'), 11);
  assert.equal(ledger.settled('d'), true);
  ledger.durable('d', 10); // a late confirmation never moves the head back
  assert.equal(ledger.head('d'), 11);
  assert.equal(ledger.nextSeqFor('d'), 12);
});

test('a seq that skips ahead is refused unless the device declares it no longer holds the ones between', () => {
  const ledger = new StreamLedger();
  ledger.restore('d', 2 ** 32 - 2);
  assert.equal(ledger.accept('d', 2 ** 32 - 2).verdict, 'duplicate');
  assert.equal(ledger.accept('d', 2 ** 32 - 1).verdict, 'new');
  assert.deepEqual(ledger.accept('d', 5), { verdict: 'gap', expected: 0 }, 'a stray forward seq is not jumped over');
  assert.deepEqual(ledger.accept('d', 5, 3), { verdict: 'gap', expected: 3 }, 'the device holds 3 and 4: they come first');
  assert.deepEqual(ledger.accept('d', 5, 5), { verdict: 'new', lost: { from: 0, to: 4, count: 5 } }, 'declared lost across the wrap');
  assert.equal(ledger.gapsSkipped, 1);
  assert.equal(ledger.seqsLost, 5);
  assert.equal(ledger.accept('d', 0).verdict, 'duplicate');
  assert.equal(ledger.accept('d', 6, 6).verdict, 'new', 'first equal to the expected seq declares nothing');
  assert.equal(ledger.seqsLost, 5);
});

test('first may not come after seq nor claim more than the device can hold', () => {
  const ledger = new StreamLedger();
  ledger.restore('d', 10);
  assert.equal(ledger.accept('d', 11, 12).verdict, 'bad_first');
  assert.equal(ledger.accept('d', 11, 11 - 2 ** 20).verdict, 'bad_first');
  assert.equal(ledger.accept('d', 11, 11).verdict, 'new');
});

test('a heartbeat declaring its oldest sample moves the stream, and the head when nothing is pending', () => {
  const ledger = new StreamLedger();
  ledger.restore('d', 7);
  assert.equal(ledger.declareOldest('d', 8), null, 'holds the expected one: nothing lost');
  assert.deepEqual(ledger.declareOldest('d', 12), { from: 8, to: 11, count: 4 });
  assert.equal(ledger.head('d'), 11, 'nothing was pending, so everything up to 11 is settled');
  assert.equal(ledger.accept('d', 12).verdict, 'new');
  assert.deepEqual(ledger.declareOldest('d', 20), { from: 13, to: 19, count: 7 });
  assert.equal(ledger.head('d'), 11, 'seq 12 is still pending: the head waits for it');
});

test('a new stream starts at the oldest message the device holds, never past it', () => {
  const ledger = new StreamLedger();
  // seq 0 was refused (the hub busy) and seq 1 arrived before the connection closed.
  assert.deepEqual(ledger.accept('d', 1, 0), { verdict: 'gap', expected: 0 });
  assert.equal(ledger.expected('d'), null, 'nothing taken');
  assert.deepEqual(ledger.accept('d', 0, 0), { verdict: 'new' });
  assert.deepEqual(ledger.accept('d', 1, 0), { verdict: 'new' });
  // A device that holds nothing older starts wherever it says.
  assert.deepEqual(ledger.accept('e', 500, 500), { verdict: 'new' });
  assert.deepEqual(ledger.accept('f', 7), { verdict: 'new' }, "without first: the device's own numbering");
});
