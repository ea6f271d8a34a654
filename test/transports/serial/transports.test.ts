// The list of serial transports is the whole story: every transport in it can be configured
// under its kind and gets its own defaults, the devices file knows no other kind, and each
// transport's own fields are refused on the others with the reason. (That every kind a
// transport folder declares is listed is checked by the compiler, in transports.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/settings.js';
import { parseDevicesDocument } from '../../../src/transports/serial/config.js';
import { SERIAL_TRANSPORTS, serialTransport, type SerialKind } from '../../../src/transports/serial/transports.js';

const kinds = SERIAL_TRANSPORTS.map((t) => t.kind);

test('each transport has one kind, its schema takes that kind, and the lookup finds it', () => {
  assert.equal(new Set(kinds).size, kinds.length, 'no kind twice');
  const everyKind: Record<SerialKind, true> = { dsmr: true, firmata: true, line: true };
  assert.deepEqual([...kinds].sort(), Object.keys(everyKind).sort());
  for (const transport of SERIAL_TRANSPORTS) {
    assert.equal(transport.configSchema.properties.transport.const, transport.kind);
    assert.equal(serialTransport(transport.kind), transport);
  }
});

test('a minimal entry of every kind loads with that kind and its default speed', () => {
  const devices = parseDevicesDocument({
    devices: kinds.map((kind, i) => ({ transport: kind, id: `device-${i}`, port: `/dev/ttyX${i}` })),
  });
  assert.deepEqual(
    devices.map((d) => d.transport),
    kinds,
  );
  for (const [i, device] of devices.entries()) assert.equal(device.baudRate, SERIAL_TRANSPORTS[i].defaultBaud ?? 115200);
});

test('the devices file names exactly the listed kinds, in list order', () => {
  assert.throws(
    () => parseDevicesDocument({ devices: [{ transport: 'zigbee', port: '/dev/x' }] }),
    (err: unknown) =>
      err instanceof ConfigError && err.message === `devices[0].transport: must be one of ${kinds.join(', ')}, got "zigbee"`,
  );
});

test("a transport's own field on another transport's device is refused with its reason, not as unknown", () => {
  let checked = 0;
  for (const owner of SERIAL_TRANSPORTS) {
    for (const [field, schema] of Object.entries(owner.configSchema.properties)) {
      if (typeof schema.elsewhere !== 'string') continue;
      for (const other of SERIAL_TRANSPORTS.filter((t) => t !== owner)) {
        const entry = { transport: other.kind, id: 'x', port: '/dev/x', [field]: {} };
        assert.throws(
          () => parseDevicesDocument({ devices: [entry] }),
          (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.equal(err.message, `devices[0].${field}: ${schema.elsewhere.replace('{transport}', other.kind)}`);
            return true;
          },
        );
        checked += 1;
      }
    }
  }
  assert.ok(checked >= 4, "pin maps, probe and sample interval are each some transport's own");
});
