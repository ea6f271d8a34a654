// The serial line protocol: how fast the hub decodes frames, how many telemetry frames per
// second one device gets through a real pty into the store and acked (a device that sends its
// whole backlog at once after a reconnect), and how long the real firmware in avr8js waits for
// the ack of each sample (frame sent → `h` received, which includes the store write). Medians.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { parseDeviceFrame } from '../src/transports/serial/line/codec.ts';
import { decodeFrame, encodeFrame } from '../src/transports/serial/line/framing.ts';
import { AvrSimulator } from '../test/helpers/avr.ts';
import { startHub, waitFor } from '../test/helpers/hub.ts';
import { createPtyPair } from '../test/helpers/pty.ts';
import { ensureFirmwareHex } from '../test/transports/serial/line/firmware-hex.ts';
import { median, report } from './stats.ts';

const ROUNDS = 5;

function decodeRound(frames: Buffer[]): number {
  const started = performance.now();
  for (const frame of frames) parseDeviceFrame(decodeFrame(frame));
  return performance.now() - started;
}

const frames = Array.from({ length: 100_000 }, (_, i) =>
  encodeFrame(`t ${i} 12 light=${(i % 1000) / 10} temperature=24.7`).subarray(0, -1),
);
decodeRound(frames); // warm-up
const decodeMs = Array.from({ length: ROUNDS }, () => decodeRound(frames));
report('line.decode', {
  frames: frames.length,
  medianMs: Math.round(median(decodeMs)),
  framesPerSecond: Math.round(frames.length / (median(decodeMs) / 1000)),
});

const BACKLOG = 2_000;
const dir = mkdtempSync(join(tmpdir(), 'line-bench-'));
const pty = await createPtyPair();
const devicesFile = join(dir, 'devices.yml');
writeFileSync(devicesFile, `devices:\n  - { transport: line, port: ${pty.hubPath} }\n`);
const hub = await startHub({ devicesFile });
const port = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
try {
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let heard = '';
  port.on('data', (chunk: Buffer) => (heard += chunk.toString()));
  const write = (bytes: Buffer) => new Promise<void>((resolve) => port.write(bytes, () => port.drain(() => resolve())));
  const seconds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = `bench-${round}`;
    heard = '';
    await write(encodeFrame(`hello ${id} proto=1 iv=1000 m=light:%,temperature:°C`));
    await waitFor('welcome', () => heard.includes('welcome -'));
    const backlog = Buffer.concat(
      Array.from({ length: BACKLOG }, (_, seq) => encodeFrame(`t ${seq} ${BACKLOG - seq} light=${(seq % 1000) / 10} temperature=24.7`)),
    );
    const started = performance.now();
    await write(backlog);
    await waitFor('the last ack', () => heard.includes(`h ${BACKLOG - 1}*`), 60_000, 5);
    seconds.push((performance.now() - started) / 1000);
  }
  report('line.pty.backlog', {
    frames: BACKLOG,
    readingsPerFrame: 2,
    bytesPerFrame: frames[0].length + 1,
    medianSeconds: Math.round(median(seconds) * 1000) / 1000,
    framesPerSecond: Math.round(BACKLOG / median(seconds)),
    note: 'pty without baud pacing; a real 115200 baud link carries about 11,500 bytes/s, ~290 such frames/s',
  });
} finally {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  await hub.stop();
  await pty.close();
  rmSync(dir, { recursive: true, force: true });
}

// The firmware: ack latency per sample at 10 samples/s for 5 s.
const hex = ensureFirmwareHex();
const fwDir = mkdtempSync(join(tmpdir(), 'line-bench-fw-'));
const fwPty = await createPtyPair();
writeFileSync(join(fwDir, 'devices.yml'), `devices:\n  - { transport: line, port: ${fwPty.hubPath}, sampleIntervalMs: 100 }\n`);
const fwHub = await startHub({ devicesFile: join(fwDir, 'devices.yml') });
const sentAt = new Map<number, number>();
const latencies: number[] = [];
let deviceLine = '';
let hubText = '';
const sim = AvrSimulator.fromHexFile(hex, {
  onTransmit: (byte) => {
    if (byte !== 0x0a) {
      deviceLine += String.fromCharCode(byte);
      return;
    }
    const seq = /^t (\d+) /.exec(deviceLine)?.[1];
    if (seq !== undefined) sentAt.set(Number(seq), performance.now());
    deviceLine = '';
  },
  onReceive: (chunk) => {
    const lines = (hubText + chunk.toString()).split('\n');
    hubText = lines.pop() ?? '';
    for (const line of lines) {
      const h = /^h (\d+)\*/.exec(line)?.[1];
      if (h === undefined) continue;
      for (const [seq, at] of sentAt) {
        if (seq > Number(h)) continue;
        latencies.push(performance.now() - at);
        sentAt.delete(seq);
      }
    }
  },
});
try {
  sim.setAnalogVoltage(0, 2.5);
  await sim.connectSerial(fwPty.devicePath);
  sim.start();
  await waitFor('the firmware online', () => fwHub.hub.devices.get('uno-1')?.presence === 'online');
  latencies.length = 0;
  await new Promise((r) => setTimeout(r, 5_000));
  report('line.firmware.ack', {
    samples: latencies.length,
    flushIntervalMs: fwHub.config.flushIntervalMs,
    medianMs: Math.round(median(latencies) * 10) / 10,
    maxMs: Math.round(Math.max(...latencies)),
  });
} finally {
  await sim.stop();
  await fwHub.stop();
  await fwPty.close();
  rmSync(fwDir, { recursive: true, force: true });
}
