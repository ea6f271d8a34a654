// A DSMR meter on a real pseudo-terminal, read by a real hub: telegrams written in odd-sized
// chunks (good, corrupted, cut off) at 115200 8N1 and 9600 7E1, readings checked through the REST
// API and rejections through /metrics, and a replug while the hub runs.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { crc16Arc } from '../../../../src/transports/serial/dsmr/crc16.js';
import { getJson, startHub, waitFor, type TestHub } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import { teardown } from '../../../helpers/teardown.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', `${name}.txt`), 'latin1');
const METER = 'K8EG004046395507'; // 0-0:96.1.1 of v5_example, hex-decoded

/** The body up to "!" with a freshly computed CRC, as the meter would send it. */
function sealed(body: string): Buffer {
  const upToBang = Buffer.from(body.slice(0, body.indexOf('!') + 1), 'latin1');
  return Buffer.concat([upToBang, Buffer.from(`${crc16Arc(upToBang).toString(16).toUpperCase().padStart(4, '0')}\r\n`)]);
}

/** The v5 example telegram ten seconds later, with a little more energy delivered. */
function laterTelegram(seconds: number, energy: string): Buffer {
  const stamp = `1701021920${String(2 + seconds).padStart(2, '0')}W`;
  return sealed(fixture('v5_example').replace('170102192002W', stamp).replace('000004.426*kWh', `${energy}*kWh`));
}

/** The meter's end of the pty, opened; closed after the test. */
async function openMeterEnd(
  t: TestContext,
  path: string,
  options: { baudRate: number; dataBits?: 7 | 8; parity?: 'even' | 'none' },
): Promise<SerialPort> {
  const port = new SerialPort({ path, autoOpen: false, ...options });
  port.on('error', () => {});
  teardown(t, () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

/** Writes like a UART behind a USB adapter: odd-sized pieces with pauses between them. */
async function writeChunked(port: SerialPort, bytes: Buffer): Promise<void> {
  let size = 3;
  for (let at = 0; at < bytes.length; at += size, size = (size * 5 + 2) % 97 || 7) {
    await new Promise<void>((resolve, reject) => port.write(bytes.subarray(at, at + size), (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => port.drain((err) => (err ? reject(err) : resolve())));
    if (at % 3 === 0) await new Promise((r) => setTimeout(r, 1));
  }
}

async function readings(hub: TestHub, deviceId: string, metric: string): Promise<Array<{ ts: number; value: number }>> {
  const { status, body } = await getJson(`${hub.url}/api/devices/${deviceId}/readings?metric=${metric}&from=2000-01-01T00:00:00Z`);
  return status === 200 ? body.readings.map((r: { ts: number; value: number }) => ({ ts: r.ts, value: r.value })) : [];
}

async function metricsText(hub: TestHub): Promise<string> {
  return (await fetch(`${hub.url}/metrics`)).text();
}

function refusedCount(text: string, reason: string): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith('hub_frames_rejected_total{') && l.includes('transport="dsmr"') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function startMeterHub(t: TestContext, pty: PtyPair, device: Record<string, unknown>): Promise<TestHub> {
  const devicesFile = join(pty.dir, 'devices.yml');
  writeFileSync(devicesFile, JSON.stringify({ devices: [{ transport: 'dsmr', port: pty.hubPath, ...device }] }));
  return startHub(t, { devicesFile, serialReconnectMaxMs: 200 });
}

test('DSMR 5 at 115200: good telegrams stored, corrupted and cut-off ones rejected and counted', async (t) => {
  const pty = await createPtyPair(t);
  const hub = await startMeterHub(t, pty, {});
  const meter = await openMeterEnd(t, pty.devicePath, { baudRate: 115200 });
  const second = laterTelegram(10, '000004.427');
  const flipped = Buffer.from(second);
  flipped[flipped.indexOf('4.427')] = '9'.charCodeAt(0); // one bad byte, CRC unchanged
  const withoutCrc = Buffer.from(fixture('v5_example').replace(/!6EEE\r\n$/, '!\r\n'), 'latin1');
  const stream = [
    Buffer.from(fixture('v5_example'), 'latin1'),
    Buffer.from(fixture('v5_bad_crc_line_removed'), 'latin1'),
    second.subarray(0, 300), // cut off by the next "/"
    flipped,
    withoutCrc,
    second,
  ];
  for (const telegram of stream) await writeChunked(meter, telegram);

  const energy = await waitFor('both good telegrams stored', async () => {
    const rows = await readings(hub, METER, 'energy_delivered_tariff1');
    return rows.length === 2 && rows;
  });
  assert.deepEqual(energy, [
    { ts: Date.parse('2017-01-02T18:20:02Z'), value: 4.426 },
    { ts: Date.parse('2017-01-02T18:20:12Z'), value: 4.427 },
  ]);
  // Gas carries the M-Bus reading's own time, not the telegram's; the resend is stored once.
  assert.deepEqual(await readings(hub, METER, 'gas'), [{ ts: Date.parse('2017-01-02T15:10:05Z'), value: 0.107 }]);
  assert.deepEqual(
    (await readings(hub, METER, 'voltage_l3')).map((r) => r.value),
    [229, 229],
  );

  const text = await metricsText(hub);
  assert.equal(refusedCount(text, 'bad_crc'), 2);
  assert.equal(refusedCount(text, 'truncated'), 1);
  assert.equal(refusedCount(text, 'missing_crc'), 1);

  const {
    body: { device },
  } = await getJson(`${hub.url}/api/devices/${METER}`);
  assert.equal(device.transport, 'dsmr');
  assert.equal(device.presence, 'online');
  assert.equal(device.firmware, 'ISk5\\2MT382-1000');
  const units = Object.fromEntries(device.metrics.map((m: { name: string; unit?: string }) => [m.name, m.unit]));
  assert.deepEqual(
    [units.energy_delivered_tariff1, units.power_delivered, units.voltage_l1, units.current_l1, units.gas],
    ['kWh', 'kW', 'V', 'A', 'm3'],
  );
});

test('DSMR 4: the hourly gas reading is booked in the hour it was taken, from the meter clock in winter and summer time', async (t) => {
  const pty = await createPtyPair(t);
  const hub = await startMeterHub(t, pty, { id: 'kaifa' });
  const meter = await openMeterEnd(t, pty.devicePath, { baudRate: 115200 });
  // The telegram at 19:05:12 local; its gas reading taken at 18:00:00 local, in the previous hour.
  const at = (telegram: string, gas: string, value: string) =>
    sealed(
      fixture('v4_0_kaifa_arduino').replace('150117185916W', telegram).replace('(150117180000W)(00473.789*m3)', `(${gas})(${value}*m3)`),
    );
  await writeChunked(meter, at('150117190512W', '150117180000W', '00473.789')); // W: UTC+1
  await writeChunked(meter, at('150717190512S', '150717180000S', '00512.004')); // S: UTC+2
  await waitFor('both gas readings', async () => (await readings(hub, 'kaifa', 'gas')).length === 2);
  const hourly = async (metric: string, day: string) => {
    const { body } = await getJson(
      `${hub.url}/api/devices/kaifa/readings?metric=${metric}&from=${day}T00:00:00Z&to=${day}T23:00:00Z&every=1h&agg=last`,
    );
    return body.points.map((p: { ts: number; value: number }) => [new Date(p.ts).toISOString(), p.value]);
  };
  assert.deepEqual(await hourly('gas', '2015-01-17'), [['2015-01-17T17:00:00.000Z', 473.789]]);
  assert.deepEqual(await hourly('energy_delivered_tariff1', '2015-01-17'), [['2015-01-17T18:00:00.000Z', 671.578]]);
  assert.deepEqual(await hourly('gas', '2015-07-17'), [['2015-07-17T16:00:00.000Z', 512.004]]);
  assert.deepEqual(await hourly('energy_delivered_tariff1', '2015-07-17'), [['2015-07-17T17:00:00.000Z', 671.578]]);
});

test('DSMR 2.2 at 9600 7E1: readings stamped on receipt under the id from the devices file', async (t) => {
  const pty = await createPtyPair(t);
  const hub = await startMeterHub(t, pty, { id: 'old-meter', name: 'Cellar meter', baudRate: 9600 });
  const meter = await openMeterEnd(t, pty.devicePath, { baudRate: 9600, dataBits: 7, parity: 'even' });
  const before = Date.now();
  await writeChunked(meter, Buffer.from(fixture('v2_2_example'), 'latin1'));
  // A DSMR 2.2 telegram with a garbled line has no CRC to catch it; the structure check does.
  await writeChunked(meter, Buffer.from(fixture('v2_2_example').replace('1-0:1.7.0(0001.01*kW)', '1-0:1.7.0(0001.01*kW'), 'latin1'));
  const [gas] = await waitFor('the gas reading', async () => {
    const rows = await readings(hub, 'old-meter', 'gas');
    return rows.length > 0 && rows;
  });
  assert.equal(gas.value, 1.001);
  assert.ok(gas.ts >= before && gas.ts <= Date.now(), 'stamped with the time of receipt');
  assert.deepEqual(
    (await readings(hub, 'old-meter', 'power_delivered')).map((r) => r.value),
    [1.01],
  );
  assert.deepEqual(
    (await readings(hub, 'old-meter', 'tariff')).map((r) => r.value),
    [1],
  );
  await waitFor('the garbled telegram counted', async () => refusedCount(await metricsText(hub), 'malformed_line') === 1);
  // Noise can look like an empty telegram; it must not count as the meter being there.
  await writeChunked(meter, Buffer.from('/ISk5\\2MT382-1004\r\n\r\n!\r\n'));
  await waitFor('the empty telegram counted', async () => refusedCount(await metricsText(hub), 'no_readings') === 1);
  const {
    body: { device },
  } = await getJson(`${hub.url}/api/devices/old-meter`);
  assert.equal(device.name, 'Cellar meter');
});

test('replug: the meter goes offline when its port vanishes and resumes when it comes back', async (t) => {
  const pty = await createPtyPair(t);
  const hub = await startMeterHub(t, pty, {});
  let meter = await openMeterEnd(t, pty.devicePath, { baudRate: 115200 });
  await writeChunked(meter, Buffer.from(fixture('v5_example'), 'latin1'));
  await waitFor('the meter online', async () => (await getJson(`${hub.url}/api/devices/${METER}`)).body.device?.presence === 'online');

  await pty.stop(); // unplugged: socat gone, both links removed
  await new Promise<void>((resolve) => (meter.isOpen ? meter.close(() => resolve()) : resolve()));
  await waitFor('the meter offline', async () => (await getJson(`${hub.url}/api/devices/${METER}`)).body.device?.presence === 'offline');

  await pty.start(); // plugged back in at the same path
  meter = await openMeterEnd(t, pty.devicePath, { baudRate: 115200 });
  // The hub reopens with backoff; the meter keeps sending every few seconds until it is heard.
  let tick = 0;
  const energy = await waitFor(
    'readings after the replug',
    async () => {
      await writeChunked(meter, laterTelegram(10 + tick, `00000${(4.5 + tick / 1000).toFixed(3)}`));
      tick += 1;
      const rows = await readings(hub, METER, 'energy_delivered_tariff1');
      return rows.length >= 2 && rows;
    },
    15_000,
    100,
  );
  assert.equal(energy[0].value, 4.426);
  // Telegrams sent while the port was still closed are lost, as with a real meter; the first
  // one the hub hears after the replug is stored.
  assert.ok(energy[1].value >= 4.5 && energy[1].value < 4.5 + tick / 1000, `got ${energy[1].value}`);
  assert.equal((await getJson(`${hub.url}/api/devices/${METER}`)).body.device?.presence, 'online');
});
