// The serial stage inside a real hub: a broken devices file stops the start with the file and
// field named; without a file the hub runs with no serial devices; `telemetry-hub ports` lists
// this machine's serial ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPortTable } from '../../../src/commands/ports-command.js';
import { getJson, startHub } from '../../helpers/hub.js';
import { tempDir } from '../../helpers/teardown.js';

test('a devices file with an error stops the hub from starting and names file and field', async (t) => {
  const dir = tempDir(t, 'serial-stage-');
  const devicesFile = join(dir, 'devices.yml');
  writeFileSync(devicesFile, 'devices:\n  - transport: dsmr\n    port: /dev/ttyUSB0\n    parity: odd-ish\n');
  await assert.rejects(startHub({ devicesFile, dataDir: join(dir, 'data') }), (err: Error) => {
    assert.equal(err.name, 'ConfigError');
    assert.equal(err.message, `${devicesFile}: devices[0].parity: must be one of none, even, odd, mark, space, got "odd-ish"`);
    return true;
  });
});

test('without a devices file the hub starts with no serial devices; the default path is in the data dir', async (t) => {
  const hub = await startHub(t);
  assert.equal(hub.hub.serial.devicesFilePath, join(hub.dataDir, 'devices.yml'));
  const { body } = await getJson(`${hub.url}/api/devices?transport=dsmr`);
  assert.deepEqual(body.devices, []);
});

test('a device whose port does not exist does not keep the hub from starting', async (t) => {
  const dir = tempDir(t, 'serial-stage-');
  const devicesFile = join(dir, 'devices.yml');
  writeFileSync(devicesFile, `devices:\n  - { id: absent-meter, transport: dsmr, port: ${join(dir, 'no-such-tty')} }\n`);
  const hub = await startHub(t, { devicesFile, serialReconnectMaxMs: 50 });
  const { body } = await getJson(`${hub.url}/api/devices/absent-meter`);
  assert.equal(body.device.transport, 'dsmr');
  assert.notEqual(body.device.presence, 'online');
  assert.equal((await getJson(`${hub.url}/api/health`)).status, 200);
});

test('the ports table lists path, manufacturer and USB ids', () => {
  const table = formatPortTable([
    {
      path: '/dev/ttyACM0',
      manufacturer: 'Arduino (www.arduino.cc)',
      vendorId: '2341',
      productId: '0043',
      serialNumber: '85735313932351D0E1A1',
    },
    { path: '/dev/ttyS0' },
  ]);
  const [header, uno, plain] = table.split('\n');
  assert.match(header, /^PATH\s+MANUFACTURER\s+VENDOR\s+PRODUCT\s+SERIAL$/);
  assert.match(uno, /^\/dev\/ttyACM0\s+Arduino \(www\.arduino\.cc\)\s+2341\s+0043\s+85735313932351D0E1A1$/);
  assert.match(plain, /^\/dev\/ttyS0\s+-\s+-\s+-\s+-$/);
  assert.equal(formatPortTable([]), 'no serial ports found\n');
});

test('`telemetry-hub ports --json` lists the serial ports of this machine', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ports', '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  const ports = JSON.parse(result.stdout);
  assert.ok(Array.isArray(ports));
  for (const p of ports) assert.equal(typeof p.path, 'string');
});
