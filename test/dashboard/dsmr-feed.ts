// A hub reading a DSMR meter on a pseudo-terminal (socat), and a year of telegrams written into
// the meter's end: the real serial port, framer, CRC check, parser, OBIS mapping, ingest and
// SQLite store. Written a day at a time; the next day goes out once the last telegram's readings
// are durable (the bus's "readings" event), so the hub's write queue never fills.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { Config } from '../../src/config/settings.js';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { createPtyPair, type PtyPair } from '../helpers/pty.ts';
import type { MeterYear } from './dsmr-year.ts';

export const METER_ID = 'home-meter';
const TELEGRAMS_PER_WRITE = 96;

export interface MeterHub {
  hub: TestHub;
  pty: PtyPair;
  close(): Promise<void>;
}

export async function meterHub(overrides: Partial<Config> = {}): Promise<MeterHub> {
  const pty = await createPtyPair();
  const devicesFile = join(pty.dir, 'devices.yml');
  writeFileSync(devicesFile, JSON.stringify({ devices: [{ id: METER_ID, name: 'Smart meter', transport: 'dsmr', port: pty.hubPath }] }));
  const hub = await startHub({ devicesFile, ...overrides });
  return {
    hub,
    pty,
    async close() {
      await hub.stop();
      await pty.close();
    },
  };
}

/** Writes every telegram into the meter's end and waits until the last one's readings are stored. */
export async function feedYear(meter: MeterHub, year: MeterYear): Promise<void> {
  const port = new SerialPort({ path: meter.pty.devicePath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const stamps = year.samples.energy_delivered_tariff1.ts;
  let newest = 0;
  const off = meter.hub.hub.bus.on('readings', (e) => {
    if (e.deviceId !== METER_ID) return;
    for (const r of e.readings) if (r.metric === 'energy_delivered_tariff1' && r.ts > newest) newest = r.ts;
  });
  try {
    await waitFor('the hub to open the meter port', () => meter.hub.hub.devices.get(METER_ID));
    for (let at = 0; at < year.telegrams.length; at += TELEGRAMS_PER_WRITE) {
      const chunk = year.telegrams.slice(at, at + TELEGRAMS_PER_WRITE);
      await new Promise<void>((resolve, reject) => port.write(Buffer.concat(chunk), (err) => (err ? reject(err) : resolve())));
      const last = stamps[Math.min(at + TELEGRAMS_PER_WRITE, stamps.length) - 1];
      await waitFor(`telegrams up to ${new Date(last).toISOString()} stored`, () => newest >= last, 30_000, 5);
    }
  } finally {
    off();
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
