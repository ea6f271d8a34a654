import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDevicesDocument } from '../../../../src/transports/serial/config.js';

const board = (extra: Record<string, unknown>) => ({ devices: [{ id: 'uno', transport: 'firmata', port: '/dev/ttyACM0', ...extra }] });

test('a firmata board may set its firmware-query interval and timeout', () => {
  const [device] = parseDevicesDocument(board({ probe: { intervalMs: 2000, timeoutMs: 500 } }));
  assert.ok(device.transport === 'firmata');
  assert.deepEqual(device.probe, { intervalMs: 2000, timeoutMs: 500 });
  const [plain] = parseDevicesDocument(board({}));
  assert.ok(plain.transport === 'firmata');
  assert.equal(plain.probe, undefined, 'without it the session uses its defaults');
  assert.equal(plain.baudRate, 57600, 'StandardFirmata speed by default');
});

test('bad probe settings name the field', () => {
  assert.throws(
    () => parseDevicesDocument(board({ probe: { intervalMs: 10 } })),
    /devices\[0\]\.probe\.intervalMs: must be at least 100, got 10/,
  );
  assert.throws(() => parseDevicesDocument(board({ probe: { timeoutMs: 'soon' } })), /devices\[0\]\.probe\.timeoutMs: must be a number/);
  assert.throws(() => parseDevicesDocument(board({ probe: { every: 5 } })), /devices\[0\]\.probe\.every: unknown field/);
  assert.throws(() => parseDevicesDocument(board({ probe: 5 })), /devices\[0\]\.probe: must be a mapping/);
  assert.throws(
    () => parseDevicesDocument({ devices: [{ transport: 'dsmr', port: '/dev/ttyUSB0', probe: { intervalMs: 1000 } }] }),
    /devices\[0\]\.probe: only firmata boards are probed/,
  );
});
