import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSetParams } from '../../../../src/transports/serial/firmata/actuators.js';
import type { FirmataActuatorConfig } from '../../../../src/transports/serial/firmata/config.js';

const ACTUATORS: FirmataActuatorConfig[] = [
  { name: 'led', type: 'led', pin: 13 },
  { name: 'pump', type: 'relay', pin: 7 },
  { name: 'fan', type: 'pwm', pin: 5 },
  { name: 'arm', type: 'servo', pin: 9 },
];

test('set params within each actuator type are accepted, in the order given', () => {
  assert.deepEqual(checkSetParams(ACTUATORS, { led: true, pump: false, fan: 128, arm: 90.5 }), [
    { name: 'led', value: true },
    { name: 'pump', value: false },
    { name: 'fan', value: 128 },
    { name: 'arm', value: 90.5 },
  ]);
  assert.deepEqual(checkSetParams(ACTUATORS, { fan: 0 }), [{ name: 'fan', value: 0 }]);
  assert.deepEqual(checkSetParams(ACTUATORS, { fan: 255, arm: 180 }), [
    { name: 'fan', value: 255 },
    { name: 'arm', value: 180 },
  ]);
});

test('every wrong value is refused with a reason naming the actuator', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /params must name at least one actuator \(led, pump, fan, arm\)/],
    [{ heater: true }, /unknown actuator "heater"; this board has led, pump, fan, arm/],
    [{ led: 1 }, /^led: a led takes true or false, got 1$/],
    [{ pump: 'on' }, /^pump: a relay takes true or false, got "on"$/],
    [{ fan: 256 }, /^fan: a pwm output takes a whole number 0-255, got 256$/],
    [{ fan: 1.5 }, /^fan: a pwm output takes a whole number 0-255/],
    [{ fan: -1 }, /^fan: a pwm output/],
    [{ arm: 181 }, /^arm: a servo takes an angle 0-180 degrees, got 181$/],
    [{ arm: null }, /^arm: a servo takes an angle/],
    [{ led: true, arm: Number.NaN }, /^arm: a servo takes an angle/],
  ];
  for (const [params, reason] of cases) {
    const result = checkSetParams(ACTUATORS, params);
    assert.equal(typeof result, 'string', JSON.stringify(params));
    assert.match(result as string, reason);
  }
  assert.match(checkSetParams([], { led: true }) as string, /this board has none/);
});
