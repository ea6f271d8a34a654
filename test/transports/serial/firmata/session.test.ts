// StandardFirmata (the prebuilt Uno image) runs in the avr8js simulator, its USART bridged to one
// end of a socat pty pair at 57600 baud; the hub opens the other end as an ordinary serial port
// and drives the board through johnny-five and firmata-io. Only the chip is simulated (it cannot
// exist on a test machine); serial port, tty layer, hub, store and REST API are the real ones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { AvrSimulator, PinState } from '../../../helpers/avr.js';
import { getJson, startHub, waitFor, type TestHub } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import type { Command, PresenceChange } from '../../../../src/core/model.js';
import { standardFirmataHex } from './standard-firmata-hex.js';

const DEVICE = 'uno-1';
const PROBE = { intervalMs: 300, timeoutMs: 1_000 };

let hub: TestHub;
let pty: PtyPair;
let mcu: AvrSimulator;
const presence: PresenceChange[] = [];
const commands: Command[] = [];

before(async () => {
  const hex = standardFirmataHex();
  pty = await createPtyPair();
  mcu = AvrSimulator.fromHexFile(hex);
  mcu.setAnalogVoltage(0, 1.0);
  await mcu.connectSerial(pty.devicePath, 57600);
  mcu.start();
  // The board reaches the hub the way a user configures it: an entry in the devices file.
  // Made here, not by tempDir(): a suite's hooks have no test context. The hub removes its data
  // directory when it stops.
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-firmata-'));
  writeFileSync(
    join(dataDir, 'devices.yml'),
    [
      'devices:',
      `  - id: ${DEVICE}`,
      '    name: Uno on the bench',
      '    transport: firmata',
      `    port: ${pty.hubPath}`,
      `    probe: { intervalMs: ${PROBE.intervalMs}, timeoutMs: ${PROBE.timeoutMs} }`,
      '    sensors:',
      '      - { pin: A0, metric: light, unit: "%", intervalMs: 100, scale: { from: [0, 1023], to: [0, 100] } }',
      '      - { pin: 7, metric: door, intervalMs: 100 }',
      '    actuators:',
      '      - { name: led, type: led, pin: 13 }',
      '      - { name: fan, type: pwm, pin: 5 }',
      '      - { name: dimmer, type: pwm, pin: 12 }', // an Uno has no PWM on pin 12
    ].join('\n'),
  );
  hub = await startHub({ dataDir });
  hub.hub.bus.on('presence', (change) => presence.push(change));
  hub.hub.bus.on('command', (command) => commands.push(command));
});

after(async () => {
  await hub?.stop();
  await mcu?.stop();
  await pty?.close();
});

async function readingsSince(from: number, metric = 'light'): Promise<number[]> {
  const { body } = await getJson(`${hub.url}/api/devices/${DEVICE}/readings?metric=${metric}&from=${from}&to=${Date.now() + 60_000}`);
  assert.ok(Array.isArray(body.readings), `readings answer: ${JSON.stringify(body)}`);
  return body.readings.map((r: { value: number }) => r.value);
}

async function command(params: Record<string, unknown>): Promise<Command> {
  const created = await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params, timeoutMs: 10_000 });
  return waitFor(
    `command ${JSON.stringify(params)} answered`,
    () => commands.find((c) => c.id === created.id && (c.state === 'acked' || c.state === 'failed')),
    15_000,
  );
}

test('the board comes online through johnny-five with its firmware named and its pins declared', async () => {
  const device = await waitFor(
    'board online',
    () => {
      const d = hub.hub.devices.get(DEVICE);
      return d?.presence === 'online' && d;
    },
    30_000,
  );
  assert.match(device.firmware ?? '', /^StandardFirmata/);
  assert.deepEqual(device.metrics, [{ name: 'light', unit: '%' }, { name: 'door' }]);
  assert.deepEqual(device.actuators, [
    { name: 'led', type: 'led' },
    { name: 'fan', type: 'pwm' },
    { name: 'dimmer', type: 'pwm' },
  ]);
  assert.equal(device.transport, 'firmata');
  // johnny-five ran, but its serialport-8 path (and the firmata package that needs it) did not load.
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  assert.ok(loaded.some((p) => p.includes('/node_modules/johnny-five/lib/board.js')));
  assert.deepEqual(
    loaded.filter((p) => /\/node_modules\/(johnny-five\/node_modules\/serialport|firmata)\//.test(p)),
    [],
  );
});

test('a change of the simulated voltage on A0 appears as scaled readings in the REST API', async () => {
  // 1.0 V of 5 V on a 10-bit ADC reads 204 or 205, which the scale maps to about 20 %.
  const atOneVolt = await waitFor(
    'readings near 20 %',
    async () => {
      const values = await readingsSince(0);
      return values.filter((v) => Math.abs(v - 20) < 0.5).length >= 3 && values;
    },
    15_000,
  );
  assert.ok(
    atOneVolt.every((v) => v >= 0 && v <= 100),
    'scaled into 0-100',
  );
  const changedAt = Date.now();
  mcu.setAnalogVoltage(0, 4.0);
  const atFourVolts = await waitFor(
    'readings near 80 %',
    async () => {
      const values = await readingsSince(changedAt);
      return values.filter((v) => Math.abs(v - 80) < 0.5).length >= 3 && values;
    },
    15_000,
  );
  assert.ok(atFourVolts.some((v) => Math.abs(v - 80) < 0.5));
});

test('a digital input reports 0 and 1 as it changes', async () => {
  // The harness has no setter for digital inputs; drive the simulated port D pin directly.
  const portD = () => (mcu as unknown as { chip: { ports: { D: { setPin(bit: number, high: boolean): void } } } }).chip.ports.D;
  portD().setPin(7, false);
  const lowFrom = Date.now();
  await waitFor('door reads 0', async () => (await readingsSince(lowFrom, 'door')).filter((v) => v === 0).length >= 2, 15_000);
  portD().setPin(7, true);
  const highFrom = Date.now() + 100;
  const high = await waitFor(
    'door reads 1',
    async () => {
      const values = await readingsSince(highFrom, 'door');
      return values.filter((v) => v === 1).length >= 2 && values;
    },
    15_000,
  );
  assert.ok(high.every((v) => v === 0 || v === 1));
});

test('a set command lights pin 13 and ends acked; switching off darkens it again', async () => {
  assert.equal(mcu.pinState(13), PinState.Low);
  const on = await command({ led: true });
  assert.equal(on.state, 'acked');
  assert.equal(mcu.pinState(13), PinState.High, 'acked only after the board took the write');
  const off = await command({ led: false });
  assert.equal(off.state, 'acked');
  assert.equal(mcu.pinState(13), PinState.Low);
});

test('a pwm command sets the duty cycle of its pin', async () => {
  // Pin 5 is OC0B: analogWrite puts the level into timer 0's compare register OCR0B (data 0x48).
  const ocr0b = () => (mcu as unknown as { chip: { cpu: { data: Uint8Array } } }).chip.cpu.data[0x48];
  const set = await command({ fan: 128 });
  assert.equal(set.state, 'acked');
  assert.equal(ocr0b(), 128);
  await command({ fan: 40 });
  assert.equal(ocr0b(), 40);
});

test('bad commands fail with a reason and leave the pin alone', async () => {
  const wrongType = await command({ led: 5 });
  assert.equal(wrongType.state, 'failed');
  assert.match(wrongType.error ?? '', /led: a led takes true or false, got 5/);
  const unknown = await command({ heater: true });
  assert.equal(unknown.state, 'failed');
  assert.match(unknown.error ?? '', /unknown actuator "heater"; this board has led, fan, dimmer/);
  // The board's capability answer says pin 12 has no PWM: refused whole, so the led stays off too.
  const noPwm = await command({ led: true, dimmer: 128 });
  assert.equal(noPwm.state, 'failed');
  assert.match(noPwm.error ?? '', /^dimmer: pin 12 of this board cannot do PWM/);
  const action = await hub.hub.commands.create({ deviceId: DEVICE, action: 'blink', timeoutMs: 10_000 });
  const answered = await waitFor('blink answered', () => commands.find((c) => c.id === action.id && c.state === 'failed'));
  assert.match(answered.error ?? '', /unknown action "blink"/);
  assert.equal(mcu.pinState(13), PinState.Low);
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  assert.match(metrics, /hub_frames_rejected_total\{transport="firmata",reason="command_refused"\} 4/);
});

test('a board that stops answering on an open port goes offline, and comes back when it answers again', async () => {
  // Keep the device end of the pty open while the MCU is halted: the hub's port stays open but
  // silent, like a wedged USB-serial link.
  const keeper = new SerialPort({ path: pty.devicePath, baudRate: 57600, lock: false });
  keeper.on('data', () => {});
  await new Promise<void>((resolve, reject) => keeper.once('open', resolve).once('error', reject));
  await mcu.stop();
  const haltedAt = Date.now();
  const offline = await waitFor(
    'offline after an unanswered firmware query',
    () => presence.find((p) => p.deviceId === DEVICE && p.state === 'offline' && p.ts >= haltedAt),
    PROBE.intervalMs + PROBE.timeoutMs + 5_000,
  );
  assert.match(offline.reason, /no answer to the firmware query within 1000 ms/);
  const silentSince = Date.now();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await readingsSince(silentSince), [], 'a silent board produces no readings');
  assert.deepEqual(await readingsSince(silentSince, 'door'), [], 'nor does an unchanged digital input of a silent board');

  // A command given while the board is silent waits, and is delivered once it answers again.
  const held = await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params: { led: true }, timeoutMs: 20_000 });
  assert.equal(held.state, 'queued');

  await mcu.connectSerial(pty.devicePath, 57600);
  await new Promise<void>((resolve) => keeper.close(() => resolve()));
  mcu.start();
  const back = await waitFor(
    'online again',
    () => presence.find((p) => p.deviceId === DEVICE && p.state === 'online' && p.ts > offline.ts),
    15_000,
  );
  assert.equal(back.previous, 'offline');
  await waitFor('held command acked', () => commands.find((c) => c.id === held.id && c.state === 'acked'), 15_000);
  assert.equal(mcu.pinState(13), PinState.High);
  await command({ led: false });
  const resumedAt = Date.now();
  await waitFor('readings again', async () => (await readingsSince(resumedAt)).length >= 3, 15_000);
});

test('a replugged board (the pty removed and created again) is opened again and comes back online', async () => {
  const unpluggedAt = Date.now();
  await pty.stop();
  const offline = await waitFor(
    'offline after the unplug',
    () => presence.find((p) => p.deviceId === DEVICE && p.state === 'offline' && p.ts >= unpluggedAt),
    10_000,
  );
  assert.match(offline.reason, /serial port closed/);
  await mcu.disconnectSerial();
  await pty.start();
  await mcu.connectSerial(pty.devicePath, 57600);
  await waitFor(
    'online after the replug',
    () => presence.find((p) => p.deviceId === DEVICE && p.state === 'online' && p.ts > offline.ts && /board ready/.test(p.reason)),
    30_000,
  );
  const pluggedAt = Date.now();
  await waitFor('readings after the replug', async () => (await readingsSince(pluggedAt)).length >= 3, 15_000);
});

test('after an MCU reset the board is set up again: readings resume and commands still work', async () => {
  const resetAt = Date.now();
  mcu.reset();
  await waitFor(
    'set up again after the reset',
    () => presence.find((p) => p.deviceId === DEVICE && p.state === 'online' && p.ts >= resetAt && /board ready/.test(p.reason)),
    30_000,
  );
  const readyAt = Date.now();
  await waitFor('readings after the reset', async () => (await readingsSince(readyAt)).length >= 3, 15_000);
  const on = await command({ led: true });
  assert.equal(on.state, 'acked');
  assert.equal(mcu.pinState(13), PinState.High);
});
