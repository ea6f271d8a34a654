// The line transport's own field in the devices file: the sample interval sent in the welcome.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../../src/config/settings.js';
import { parseDevicesDocument } from '../../../../src/transports/serial/config.js';

describe('devices file: line devices', () => {
  it('defaults to 115200 8N1 and takes an optional sampleIntervalMs', () => {
    const [plain, paced] = parseDevicesDocument({
      devices: [
        { transport: 'line', port: '/dev/ttyACM0' },
        { transport: 'line', port: '/dev/ttyACM1', sampleIntervalMs: 250 },
      ],
    });
    assert.ok(plain.transport === 'line' && paced.transport === 'line');
    assert.equal(plain.baudRate, 115200);
    assert.equal(plain.dataBits, 8);
    assert.equal(plain.parity, 'none');
    assert.equal(plain.sampleIntervalMs, undefined);
    assert.equal(paced.sampleIntervalMs, 250);
  });

  it('names the field when sampleIntervalMs is out of range or on another transport', () => {
    assert.throws(
      () => parseDevicesDocument({ devices: [{ transport: 'line', port: '/dev/x', sampleIntervalMs: 5 }] }),
      (err: unknown) => err instanceof ConfigError && /^devices\[0\]\.sampleIntervalMs: must be at least 10/.test(err.message),
    );
    assert.throws(
      () => parseDevicesDocument({ devices: [{ transport: 'dsmr', port: '/dev/x', sampleIntervalMs: 1000 }] }),
      (err: unknown) => err instanceof ConfigError && /^devices\[0\]\.sampleIntervalMs: only line devices/.test(err.message),
    );
  });
});
