// The devices file: YAML and JSON, defaults per transport, and errors that name the field.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/settings.js';
import { loadDevicesFile, parseDevicesDocument } from '../../../src/transports/serial/config.js';
import { tempDir } from '../../helpers/teardown.js';

function withFile(t: TestContext, name: string, text: string, check: (path: string) => void): void {
  const path = join(tempDir(t, 'devices-file-'), name);
  writeFileSync(path, text);
  check(path);
}

function refuses(doc: unknown, message: string): void {
  assert.throws(
    () => parseDevicesDocument(doc),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

const firmata = { id: 'uno-1', transport: 'firmata', port: '/dev/ttyACM0' };

test('the YAML example from the documentation loads with every default filled in', (t) => {
  withFile(
    t,
    'devices.yml',
    `
devices:
  - name: Kitchen meter
    transport: dsmr
    port: /dev/ttyUSB0
  - id: old-meter
    transport: dsmr
    port: /dev/ttyUSB1
    baudRate: 9600
  - id: uno-1
    transport: firmata
    match: { vendorId: "2341", productId: 0043, serialNumber: "85735313932351D0E1A1" }
    sensors:   [{ pin: A0, metric: light, unit: "%", intervalMs: 200, scale: { from: [0, 1023], to: [0, 100] } }]
    actuators: [{ name: led, type: led, pin: 13 }]
  - transport: line
    port: /dev/ttyACM1
`,
    (path) => {
      const [meter, old, uno, line] = loadDevicesFile(path);
      // A meter's config has the shared fields only: pin maps are a firmata board's own.
      assert.deepEqual(meter, {
        id: undefined,
        name: 'Kitchen meter',
        transport: 'dsmr',
        port: '/dev/ttyUSB0',
        match: undefined,
        baudRate: 115200,
        dataBits: 8,
        parity: 'none',
        stopBits: 1,
      });
      // DSMR 2.2/3.0 meters speak 9600 7E1.
      assert.deepEqual([old.baudRate, old.dataBits, old.parity, old.stopBits], [9600, 7, 'even', 1]);
      assert.ok(uno.transport === 'firmata');
      assert.equal(uno.baudRate, 57600);
      assert.deepEqual(uno.match, { vendorId: '2341', productId: '0043', serialNumber: '85735313932351D0E1A1' });
      assert.deepEqual(uno.sensors, [{ pin: 'A0', metric: 'light', unit: '%', intervalMs: 200, scale: { from: [0, 1023], to: [0, 100] } }]);
      assert.deepEqual(uno.actuators, [{ name: 'led', type: 'led', pin: 13 }]);
      assert.equal(line.baudRate, 115200);
    },
  );
});

test('JSON works too, and a missing or empty file means no devices', (t) => {
  withFile(t, 'devices.json', JSON.stringify({ devices: [{ transport: 'dsmr', port: '/dev/ttyUSB0', baudRate: 115200 }] }), (path) => {
    assert.equal(loadDevicesFile(path).length, 1);
  });
  withFile(t, 'empty.yml', '', (path) => assert.deepEqual(loadDevicesFile(path), []));
  assert.deepEqual(loadDevicesFile(join(tmpdir(), 'no-such-dir-for-devices', 'devices.yml')), []);
});

test('broken YAML names the file and the line', (t) => {
  withFile(t, 'devices.yml', 'devices:\n  - transport: dsmr\n   port: [\n', (path) => {
    assert.throws(
      () => loadDevicesFile(path),
      (err: Error) =>
        err instanceof ConfigError && err.message.startsWith(`${path}: not valid YAML or JSON`) && /line \d/.test(err.message),
    );
  });
});

test('an alias inside its own anchor is refused with a ConfigError, not a stack overflow', (t) => {
  withFile(t, 'devices.yml', 'a: &x [*x]\n', (path) => {
    assert.throws(() => loadDevicesFile(path), {
      name: 'ConfigError',
      message: 'devices file: an alias (*name) refers to a node that contains it',
    });
  });
  // The same node used twice, side by side, is no cycle.
  withFile(t, 'shared.yml', 'devices:\n  - &meter { transport: dsmr, port: /dev/ttyUSB0 }\n', (path) =>
    assert.equal(loadDevicesFile(path).length, 1),
  );
});

test('errors name the offending field', () => {
  refuses(
    {
      devices: [
        firmata,
        {
          ...firmata,
          id: 'uno-2',
          port: '/dev/ttyACM1',
          sensors: [
            { pin: 'A0', metric: 'a' },
            { pin: 'A9', metric: 'b' },
          ],
        },
      ],
    },
    'devices[1].sensors[1].pin: must be A0-A5 or 0-13, got "A9"',
  );
  refuses({ devices: [{ transport: 'zigbee', port: '/dev/x' }] }, 'devices[0].transport: must be one of firmata, line, dsmr, got "zigbee"');
  refuses({ devices: [{ port: '/dev/x' }] }, 'devices[0].transport: is required; one of firmata, line, dsmr');
  refuses(
    { devices: [{ transport: 'firmata', port: '/dev/x' }] },
    'devices[0].id: is required for firmata boards (they do not name themselves)',
  );
  refuses(
    { devices: [{ transport: 'dsmr', id: 'bad id!', port: '/dev/x' }] },
    'devices[0].id: device id may hold only letters, digits, ".", "_" and "-", starting with a letter or digit',
  );
  refuses({ devices: [{ transport: 'dsmr' }] }, 'devices[0].port: give either port (a path) or match (USB ids), not both or neither');
  refuses(
    { devices: [{ transport: 'dsmr', port: '/dev/x', match: { vendorId: '0403' } }] },
    'devices[0].port: give either port (a path) or match (USB ids), not both or neither',
  );
  refuses(
    { devices: [{ transport: 'dsmr', match: { vendorId: 'FTDI' } }] },
    'devices[0].match.vendorId: must be 4 hex digits like "2341", got "FTDI"',
  );
  refuses({ devices: [{ transport: 'dsmr', match: {} }] }, 'devices[0].match: needs at least one of vendorId, productId, serialNumber');
  refuses({ devices: [{ transport: 'dsmr', port: '/dev/x', baudRate: 'fast' }] }, 'devices[0].baudRate: must be a number, got "fast"');
  refuses({ devices: [{ transport: 'dsmr', port: '/dev/x', dataBits: 9 }] }, 'devices[0].dataBits: must be one of 5, 6, 7, 8, got 9');
  refuses(
    { devices: [{ transport: 'dsmr', port: '/dev/x', parity: 'yes' }] },
    'devices[0].parity: must be one of none, even, odd, mark, space, got "yes"',
  );
  assert.throws(
    () => parseDevicesDocument({ devices: [{ transport: 'dsmr', port: '/dev/x', baud: 9600 }] }),
    /^ConfigError: devices\[0\]\.baud: unknown field; expected one of id, name, transport, port, match, baudRate, /,
  );
  refuses(
    { devices: [{ transport: 'dsmr', port: '/dev/x', sensors: [{ pin: 'A0', metric: 'x' }] }] },
    'devices[0].sensors: only firmata boards take pin maps; dsmr devices describe themselves',
  );
  refuses(
    { devices: [{ ...firmata, actuators: [{ name: 'led', type: 'lamp', pin: 13 }] }] },
    'devices[0].actuators[0].type: must be one of led, relay, pwm, servo, got "lamp"',
  );
  refuses(
    { devices: [{ ...firmata, actuators: [{ name: 'led', type: 'led', pin: 14 }] }] },
    'devices[0].actuators[0].pin: must be A0-A5 or 0-13, got 14',
  );
  refuses({ devices: [{ ...firmata, sensors: [{ pin: 'A0' }] }] }, 'devices[0].sensors[0].metric: is required');
  refuses(
    { devices: [{ ...firmata, sensors: [{ pin: 'A0', metric: 'l', scale: { from: [0, 0], to: [0, 1] } }] }] },
    'devices[0].sensors[0].scale.from: must span a range (the two ends differ)',
  );
  refuses(
    { devices: [{ ...firmata, sensors: [{ pin: 'A0', metric: 'l', intervalMs: 1 }] }] },
    'devices[0].sensors[0].intervalMs: must be at least 10, got 1',
  );
  refuses({ devices: [firmata, { ...firmata, port: '/dev/ttyACM9' }] }, 'devices[1].id: "uno-1" is already used by devices[0]');
  refuses({ devices: [firmata, { ...firmata, id: 'uno-2' }] }, 'devices[1].port: /dev/ttyACM0 is already used by devices[0]');
  refuses(
    { devices: [{ ...firmata, sensors: [{ pin: 7, metric: 'door' }], actuators: [{ name: 'lock', type: 'relay', pin: '7' }] }] },
    'devices[0].actuators[0].pin: pin 7 is already used by sensors[0]',
  );
  refuses(
    {
      devices: [
        {
          ...firmata,
          actuators: [
            { name: 'led', type: 'led', pin: 13 },
            { name: 'lamp', type: 'relay', pin: 13 },
          ],
        },
      ],
    },
    'devices[0].actuators[1].pin: pin 13 is already used by actuators[0]',
  );
  const byUsb = { transport: 'dsmr', match: { vendorId: '0403', productId: '6001' } };
  refuses(
    { devices: [byUsb, { ...byUsb, match: { productId: '6001', vendorId: '0403' } }] },
    'devices[1].match: the same USB ids as devices[0] find the same adapter; tell them apart by serialNumber or give port paths',
  );
  assert.equal(parseDevicesDocument({ devices: [byUsb, { ...byUsb, match: { ...byUsb.match, serialNumber: 'A50285BI' } }] }).length, 2);
  refuses({ devices: { a: 1 } }, 'devices: must be a list');
  refuses({ boards: [] }, 'boards: unknown field; expected one of devices');
  refuses({ devices: ['dsmr'] }, 'devices[0]: must be a mapping');
});
