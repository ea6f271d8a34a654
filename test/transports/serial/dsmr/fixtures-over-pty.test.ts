// Every fixture telegram through its own pseudo-terminal into one hub at the same time: fifteen
// meters on fifteen ports, DSMR 2.2/3.0 at 9600 7E1 and the rest at 115200 8N1, each written in
// odd-sized chunks. Telegrams with a valid CRC (or none, for 2.2/3.0) are stored with the values
// their .json lists; the three with a wrong CRC are counted and leave nothing behind.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { getJson, startHub, waitFor } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import { teardown } from '../../../helpers/teardown.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.slice(0, -4))
  .sort();

interface Meter {
  name: string;
  id: string;
  bytes: Buffer;
  expected: any;
  legacy: boolean;
  pty: PtyPair;
  port: SerialPort | null;
}

/** The meter's end of its pty, opened; closed after the test. */
async function openMeterEnd(t: TestContext, meter: Meter): Promise<SerialPort> {
  const options = meter.legacy ? { baudRate: 9600, dataBits: 7 as const, parity: 'even' as const } : { baudRate: 115200 };
  const port = new SerialPort({ path: meter.pty.devicePath, autoOpen: false, ...options });
  port.on('error', () => {});
  teardown(t, () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

async function writeChunked(port: SerialPort, bytes: Buffer, seed: number): Promise<void> {
  let size = 1 + (seed % 13);
  for (let at = 0; at < bytes.length; at += size, size = (size * 7 + seed) % 83 || 5) {
    await new Promise<void>((resolve, reject) => port.write(bytes.subarray(at, at + size), (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => port.drain(() => resolve()));
  }
}

test('all fixture telegrams, each on its own pty, end up in the store or in the rejected count', async (t) => {
  const meters: Meter[] = [];
  for (const name of names) {
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
    meters.push({
      name,
      id: name.replace(/_/g, '-'),
      bytes: readFileSync(join(FIXTURES, `${name}.txt`)),
      expected,
      legacy: !expected.crc16_arc.present,
      pty: await createPtyPair(t),
      port: null,
    });
  }
  const devicesFile = join(meters[0].pty.dir, 'devices.yml');
  writeFileSync(
    devicesFile,
    JSON.stringify({
      devices: meters.map((m) => ({ id: m.id, transport: 'dsmr', port: m.pty.hubPath, ...(m.legacy ? { baudRate: 9600 } : {}) })),
    }),
  );
  const hub = await startHub(t, { devicesFile });
  for (const m of meters) m.port = await openMeterEnd(t, m);
  await Promise.all(meters.map((m, i) => writeChunked(m.port!, m.bytes, i + 2)));

  const valid = meters.filter((m) => m.expected.crc16_arc.valid !== false);
  const invalid = meters.filter((m) => m.expected.crc16_arc.valid === false);
  assert.equal(valid.length, 12);
  for (const m of valid) {
    const values = m.expected.values_read_from_telegram;
    const stored = await waitFor(`readings of ${m.name}`, async () => {
      const { body } = await getJson(`${hub.url}/api/devices/${m.id}/readings?from=2000-01-01T00:00:00Z&limit=1000`);
      return (
        body.readings?.length > 0 &&
        new Map<string, number>(body.readings.map((r: { metric: string; value: number }) => [r.metric, r.value]))
      );
    });
    if (values.energy_delivered_tariff1_kwh != null)
      assert.equal(stored.get('energy_delivered_tariff1'), values.energy_delivered_tariff1_kwh, m.name);
    if (values.energy_delivered_total_kwh != null)
      assert.equal(stored.get('energy_delivered_total'), values.energy_delivered_total_kwh, m.name);
    if (values.power_delivered_kw != null) assert.equal(stored.get('power_delivered'), values.power_delivered_kw, m.name);
    if (values.voltage_l1_v != null) assert.equal(stored.get('voltage_l1'), values.voltage_l1_v, m.name);
    if (values.gas) assert.equal(stored.get('gas'), values.gas.m3, m.name);
  }
  const metrics = await waitFor('three CRC failures counted', async () => {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    return /hub_frames_rejected_total\{[^}]*reason="bad_crc"[^}]*\} 3$/m.test(text) && text;
  });
  assert.match(metrics, /transport="dsmr"/);
  for (const m of invalid) {
    const { body }: { body: { readings: unknown[] } } = await getJson(`${hub.url}/api/devices/${m.id}/readings?from=2000-01-01T00:00:00Z`);
    assert.deepEqual(body.readings, [], `${m.name} must leave nothing behind`);
  }
});
