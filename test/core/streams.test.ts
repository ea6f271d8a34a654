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
  assert.equal(ledger.accept('d', 10), 'new');
  assert.equal(ledger.accept('d', 11), 'new');
  assert.equal(ledger.accept('d', 11), 'duplicate');
  assert.equal(ledger.accept('d', 3), 'duplicate');
  assert.equal(ledger.head('d'), null, 'nothing durable yet');
  ledger.durable('d', 11);
  assert.equal(ledger.head('d'), 11);
  ledger.durable('d', 10); // a late confirmation never moves the head back
  assert.equal(ledger.head('d'), 11);
  assert.equal(ledger.nextSeqFor('d'), 12);
});

test('a gap is jumped over and counted; a restored head resumes the stream', () => {
  const ledger = new StreamLedger();
  ledger.restore('d', 2 ** 32 - 2);
  assert.equal(ledger.accept('d', 2 ** 32 - 2), 'duplicate');
  assert.equal(ledger.accept('d', 2 ** 32 - 1), 'new');
  assert.equal(ledger.accept('d', 5), 'new');
  assert.equal(ledger.gapsSkipped, 1);
  assert.equal(ledger.accept('d', 0), 'duplicate');
});

test('after the hub refused a message, a later seq is not allowed to jump over it', () => {
  const ledger = new StreamLedger();
  assert.equal(ledger.accept('d', 1), 'new');
  ledger.refused('d'); // seq 2 was refused (the hub was full)
  assert.equal(ledger.classify('d', 3), 'gap');
  assert.equal(ledger.accept('d', 3), 'gap');
  assert.equal(ledger.accept('d', 2), 'new', 'the resend of the refused message');
  assert.equal(ledger.accept('d', 3), 'new');
  assert.equal(ledger.accept('d', 10), 'new', 'contiguous again: a device-made gap is jumped over as before');
  assert.equal(ledger.gapsSkipped, 1);
});
