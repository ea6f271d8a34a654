// Garbage on a Firmata board's port: random bytes, truncated and malformed Firmata messages,
// and a handshake whose capability answers are nonsense. The hub must neither crash nor take
// the device for a working board, and must keep serving everything else.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { getJson, startHub, type TestHub } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import type { PresenceChange } from '../../../../src/core/model.js';

let hub: TestHub;
let pty: PtyPair;
let board: SerialPort;
const presence: PresenceChange[] = [];

before(async () => {
  pty = await createPtyPair();
  // Made here, not by tempDir(): a suite's hooks have no test context. The hub removes its data
  // directory when it stops.
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-firmata-noise-'));
  writeFileSync(
    join(dataDir, 'devices.yml'),
    [
      'devices:',
      '  - id: noisy-uno',
      '    transport: firmata',
      `    port: ${pty.hubPath}`,
      '    probe: { intervalMs: 200, timeoutMs: 300 }',
      '    sensors: [{ pin: A0, metric: light, intervalMs: 50 }]',
      '    actuators: [{ name: led, type: led, pin: 13 }]',
    ].join('\n'),
  );
  hub = await startHub({ dataDir, simulate: 1, simulateIntervalMs: 50 });
  hub.hub.bus.on('presence', (change) => presence.push(change));
  board = new SerialPort({ path: pty.devicePath, baudRate: 57600, lock: false });
  await new Promise<void>((resolve, reject) => board.once('open', resolve).once('error', reject));
  board.on('data', () => {}); // the hub's queries go nowhere
});

after(async () => {
  await new Promise<void>((resolve) => (board?.isOpen ? board.close(() => resolve()) : resolve()));
  await hub?.stop();
  await pty?.close();
});

/** A small seeded generator so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Bytes that look like Firmata often enough to reach its parsers: command bytes, sysex frames, version reports. */
function noise(next: () => number, length: number): Buffer {
  const firmataBytes = [0xf0, 0xf7, 0xf9, 0x79, 0x6c, 0x6a, 0x6e, 0x71, 0xe0, 0xe5, 0x90, 0x91, 0x00, 0x7f];
  return Buffer.from(
    Array.from({ length }, () => (next() < 0.5 ? firmataBytes[Math.floor(next() * firmataBytes.length)] : Math.floor(next() * 256))),
  );
}

function write(bytes: Buffer | number[]): Promise<void> {
  return new Promise((resolve, reject) => board.write(Buffer.from(bytes), (err) => (err ? reject(err) : board.drain(() => resolve()))));
}

test('random and malformed Firmata bytes neither crash the hub nor make the board look alive', async () => {
  const next = random(20261121);
  const until = Date.now() + 3_000;
  while (Date.now() < until) {
    await write(noise(next, 1 + Math.floor(next() * 97)));
    // Now and then a plausible handshake: version, firmware name, then nonsense capabilities
    // and analog mapping, the messages johnny-five builds its pin table from.
    if (next() < 0.2) {
      await write([0xf9, 0x02, 0x05, 0xf0, 0x79, 0x02, 0x05, 0x58, 0x00, 0xf7]);
      await write([0xf0, 0x6c, ...noise(next, Math.floor(next() * 40)).map((b) => b & 0x7f), 0xf7]);
      await write([0xf0, 0x6a, ...noise(next, Math.floor(next() * 30)).map((b) => b & 0x7f), 0xf7]);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const { status, body } = await getJson(`${hub.url}/api/health`);
  assert.equal(status, 200);
  assert.equal(body.status, 'ok');
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  const refused = /hub_frames_rejected_total\{transport="firmata",reason="unparsable_bytes"\} (\d+)/.exec(metrics);
  assert.ok(refused && Number(refused[1]) > 0, 'bytes firmata could not parse are counted');
  const { body: device } = await getJson(`${hub.url}/api/devices/noisy-uno`);
  assert.notEqual(device.device.presence, 'online', 'noise is not a working board');
  const { body: readings } = await getJson(`${hub.url}/api/devices/noisy-uno/readings?metric=light&from=0`);
  assert.ok(readings.readings.every((r: { value: number }) => Number.isFinite(r.value) && r.value >= 0 && r.value <= 1023));
  // The rest of the hub carried on: the simulated device kept sending readings throughout.
  const { body: sim } = await getJson(`${hub.url}/api/devices/sim-001/readings?metric=temperature&from=${until - 3_000}`);
  assert.ok(sim.readings.length >= 20, `simulated readings during the noise: ${sim.readings.length}`);
});
