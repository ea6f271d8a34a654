// A batch packed for the store thread comes out as it went in: every reading, in order, with
// its device, metric, time and value (fractions, negatives and large times exactly), and the
// heads and last-seen times; the buffers are the ones handed over for transfer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WriteBatch } from '../../../src/core/store.js';
import { packBatch, unpackBatch } from '../../../src/storage/worker/batch-codec.js';

test('a packed batch unpacks to the same readings, heads and last-seen times', () => {
  const batch: WriteBatch = {
    readings: [
      { deviceId: 'meter-1', metric: 'power', ts: 1_764_000_000_123, value: 21.5 },
      { deviceId: 'meter-2', metric: 'power', ts: 1_764_000_000_124, value: -0.000_1 },
      { deviceId: 'meter-1', metric: 'energy', ts: 8_640_000_000_000, value: 1e308 },
      { deviceId: 'meter-2', metric: 'meter-1', ts: 0, value: 0 },
    ],
    heads: [{ deviceId: 'meter-1', h: 4_294_967_295 }],
    lastSeen: [{ deviceId: 'meter-2', ts: 1_764_000_000_200 }],
  };
  const { packed, transfer } = packBatch(batch);
  assert.deepEqual(packed.names, ['meter-1', 'power', 'meter-2', 'energy'], 'each name once, shared by devices and metrics');
  assert.deepEqual(transfer, [packed.keys.buffer, packed.numbers.buffer, packed.heads.buffer, packed.lastSeen.buffer]);
  assert.deepEqual(unpackBatch(structuredClone(packed, { transfer })), batch);
});

test('an empty batch (a head moved over a declared loss) packs and unpacks', () => {
  const batch: WriteBatch = { readings: [], heads: [{ deviceId: 'd', h: 7 }], lastSeen: [] };
  assert.deepEqual(unpackBatch(packBatch(batch).packed), batch);
});

test('heads and last-seen times of devices without readings in the batch keep their device ids', () => {
  const batch: WriteBatch = {
    readings: [{ deviceId: 'a', metric: 'x', ts: 1, value: 2 }],
    heads: [
      { deviceId: 'b', h: 0 },
      { deviceId: 'a', h: 12 },
    ],
    lastSeen: [
      { deviceId: 'c', ts: 1_764_000_000_000 },
      { deviceId: 'b', ts: 5 },
    ],
  };
  const { packed, transfer } = packBatch(batch);
  assert.deepEqual(unpackBatch(structuredClone(packed, { transfer })), batch);
});
