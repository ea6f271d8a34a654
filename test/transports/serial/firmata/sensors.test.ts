import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaleValue, sensorPin } from '../../../../src/transports/serial/firmata/sensors.js';

test('analog and digital pins are told apart the way johnny-five and Firmata name them', () => {
  assert.deepEqual(sensorPin('A0'), { kind: 'analog', j5Pin: 'A0', channel: 0 });
  assert.deepEqual(sensorPin('a5'), { kind: 'analog', j5Pin: 'A5', channel: 5 });
  assert.deepEqual(sensorPin(7), { kind: 'digital', j5Pin: 7, channel: 7 });
  assert.deepEqual(sensorPin('13'), { kind: 'digital', j5Pin: 13, channel: 13 });
  assert.throws(() => sensorPin('B2'), /pin B2 is neither A0-A5 nor a digital pin number/);
  assert.throws(() => sensorPin(-1), /neither/);
});

test('raw samples are mapped linearly onto the configured range', () => {
  const percent = { from: [0, 1023] as [number, number], to: [0, 100] as [number, number] };
  assert.equal(scaleValue(0, percent), 0);
  assert.equal(scaleValue(1023, percent), 100);
  assert.equal(scaleValue(205, percent), 20.039101);
  // An inverted range (a sensor that reads lower when brighter) and an offset range.
  assert.equal(scaleValue(1023, { from: [0, 1023], to: [100, 0] }), 0);
  assert.equal(scaleValue(512, { from: [0, 1024], to: [-40, 125] }), 42.5);
  assert.equal(scaleValue(512), 512, 'no scale: the raw value');
  assert.equal(scaleValue(3, { from: [3, 3], to: [1, 2] }), 1, 'a degenerate range never yields NaN');
});
