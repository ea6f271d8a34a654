// DSMR P1 figures: (1) decoding cost per telegram (framing + CRC + parsing + OBIS mapping), fed
// whole and in 16-byte chunks; (2) latency from the last byte written into a pty to the readings
// being durable (the bus's "readings" event) in a running hub, at 115200 baud.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { crc16Arc } from '../src/transports/serial/dsmr/crc16.js';
import { TelegramFramer, type FramedTelegram } from '../src/transports/serial/dsmr/framer.js';
import { readoutOf } from '../src/transports/serial/dsmr/obis.js';
import { parseTelegram } from '../src/transports/serial/dsmr/parser.js';
import { startHub } from '../test/helpers/hub.js';
import { createPtyPair } from '../test/helpers/pty.js';
import { median, percentile, report } from './stats.js';

const telegram = readFileSync(join('test', 'transports', 'serial', 'dsmr', 'fixtures', 'v5_example.txt'));

function decodeRun(chunkSize: number, count: number): number {
  const framer = new TelegramFramer();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    for (let at = 0; at < telegram.length; at += chunkSize) {
      for (const frame of framer.push(telegram.subarray(at, at + chunkSize))) {
        if (frame.kind === 'telegram' && frame.crc?.valid) readoutOf(parseTelegram((frame as FramedTelegram).bytes), Date.now());
      }
    }
  }
  return ((performance.now() - started) * 1000) / count; // µs per telegram
}

for (const [label, chunk] of [
  ['whole', telegram.length],
  ['16-byte chunks', 16],
] as const) {
  decodeRun(chunk, 2_000); // warm-up
  const runs = Array.from({ length: 15 }, () => decodeRun(chunk, 2_000));
  report('dsmr-decode', {
    feed: label,
    telegramBytes: telegram.length,
    usPerTelegramMedian: +median(runs).toFixed(2),
    usPerTelegramP90: +percentile(runs, 90).toFixed(2),
  });
}

/** The example telegram at a later second, CRC recomputed, so the store does not drop it as a repeat. */
function telegramAt(second: number): Buffer {
  const stamp = `1701021${String(920 + Math.floor(second / 60)).padStart(3, '0')}${String(second % 60).padStart(2, '0')}W`;
  const body = telegram.toString('latin1').replace('170102192002W', stamp);
  const upToBang = Buffer.from(body.slice(0, body.indexOf('!') + 1), 'latin1');
  return Buffer.concat([upToBang, Buffer.from(`${crc16Arc(upToBang).toString(16).toUpperCase().padStart(4, '0')}\r\n`)]);
}

const pty = await createPtyPair();
const devicesFile = join(pty.dir, 'devices.yml');
writeFileSync(devicesFile, JSON.stringify({ devices: [{ id: 'bench-meter', transport: 'dsmr', port: pty.hubPath }] }));
const hub = await startHub({ devicesFile, flushIntervalMs: 5 });
const meter = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
try {
  await new Promise<void>((resolve, reject) => meter.open((err) => (err ? reject(err) : resolve())));
  await new Promise((r) => setTimeout(r, 200)); // the hub opens its end
  const latencies: number[] = [];
  for (let i = 0; i < 60; i++) {
    const bytes = telegramAt(i + 10);
    const durable = new Promise<number>((resolve) => {
      const off = hub.hub.bus.on('readings', (event) => {
        if (event.deviceId === 'bench-meter') {
          off();
          resolve(performance.now());
        }
      });
    });
    await new Promise<void>((resolve, reject) => meter.write(bytes, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => meter.drain(() => resolve()));
    const written = performance.now();
    latencies.push((await durable) - written);
  }
  const steady = latencies.slice(10);
  report('dsmr-pty-to-durable', {
    baud: 115200,
    telegrams: steady.length,
    flushIntervalMs: 5,
    msMedian: +median(steady).toFixed(2),
    msP90: +percentile(steady, 90).toFixed(2),
  });
} finally {
  await new Promise<void>((resolve) => (meter.isOpen ? meter.close(() => resolve()) : resolve()));
  await hub.stop();
  await pty.close();
}
