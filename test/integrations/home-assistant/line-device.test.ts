// A line-protocol device (the serial-telemetry firmware's protocol, spoken by the test on the
// device end of a pty) bridged to a real mosquitto: its sensors and its relay switch and pwm
// number appear in Home Assistant; ON published with mosquitto_pub on the relay's command topic
// reaches the device as a `set` command, its answer acks the command, and the switch follows
// the relay reading the device reports. Payloads a switch or number cannot mean are refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SerialPort } from 'serialport';
import type { Command } from '../../../src/core/model.js';
import { encodeFrame } from '../../../src/transports/serial/line/framing.js';
import { startHub, waitFor } from '../../helpers/hub.js';
import { createPtyPair } from '../../helpers/pty.js';
import { teardown } from '../../helpers/teardown.js';
import { HomeAssistantSide } from './ha-side.js';
import { startMosquitto } from './mosquitto.js';

const HELLO = 'hello bench-1 proto=1 fw=serial-telemetry-1.0.0 iv=60000 m=temperature:°C,relay: a=relay:relay,fan:pwm';

test('a line device on a pty: sensors, a relay switch and a pwm number, switched from Home Assistant', async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  const pty = await createPtyPair(t);
  const devicesFile = join(pty.dir, 'devices.yml');
  writeFileSync(devicesFile, `devices:\n  - { transport: line, name: Bench board, port: ${pty.hubPath} }\n`);
  const { hub, url } = await startHub(t, { devicesFile, haMqttUrl: broker.url, haStateIntervalMs: 0 });

  const port = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  teardown(t, () => new Promise<void>((resolve) => port.close(() => resolve())));
  const heard: string[] = [];
  let partial = '';
  port.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    heard.push(...lines.map((l) => l.replace(/\*[0-9A-F]{2}\r?$/, '')));
  });
  const send = (body: string) =>
    new Promise<void>((resolve, reject) => port.write(encodeFrame(body), (err) => (err ? reject(err) : port.drain(() => resolve()))));
  const hear = (pattern: RegExp, since = 0) => waitFor(`hub frame ${pattern}`, () => heard.slice(since).find((b) => pattern.test(b)));

  await send(HELLO);
  await hear(/^welcome -$/);
  await send('t 0 0 temperature=21.5 relay=0');
  await hear(/^h 0$/);

  const base = 'homeassistant';
  const temperature = await ha.config(`${base}/sensor/telemetry-hub_bench-1/temperature/config`);
  assert.deepEqual(
    [temperature.device_class, temperature.unit_of_measurement, temperature.state_class],
    ['temperature', '°C', 'measurement'],
  );
  assert.deepEqual(temperature.device, {
    identifiers: ['telemetry-hub_bench-1'],
    name: 'Bench board',
    manufacturer: 'telemetry-hub',
    model: 'Serial line-protocol device',
    sw_version: 'serial-telemetry-1.0.0',
  });
  const relay = await ha.config(`${base}/switch/telemetry-hub_bench-1/relay/config`);
  assert.equal(relay.command_topic, 'telemetry-hub/bench-1/relay/set');
  const fan = await ha.config(`${base}/number/telemetry-hub_bench-1/fan/config`);
  assert.deepEqual([fan.min, fan.max, fan.step, fan.command_topic], [0, 255, 1, 'telemetry-hub/bench-1/fan/set']);
  assert.equal(
    ha.latest(`${base}/sensor/telemetry-hub_bench-1/relay/config`),
    undefined,
    'the relay reading drives the switch, not a sensor',
  );
  await ha.waitForPayload(relay.state_topic, 'OFF');
  await ha.state('telemetry-hub/bench-1/state', (s) => s.temperature === 21.5);

  // ON from Home Assistant (mosquitto_pub in its place) reaches the device as a command.
  const commands: Command[] = [];
  hub.bus.on('command', (c) => commands.push({ ...c }));
  const since = heard.length;
  const publish = (topic: string, payload: string) =>
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', topic, '-m', payload]);
  publish(relay.command_topic, 'ON');
  const frame = await hear(/^cmd \S+ set relay=1$/, since);
  const id = frame.split(' ')[1];
  await send(`cack ${id} ok`);
  await waitFor('the command acked', () => commands.some((c) => c.id === id && c.state === 'acked'));
  assert.deepEqual(commands.find((c) => c.id === id)?.params, { relay: true });
  await send('t 1 0 temperature=21.6 relay=1');
  await ha.waitForPayload(relay.state_topic, 'ON');

  // A pwm value from the number entity; the device reports no `fan` reading, so the ack sets its state.
  publish(fan.command_topic, '128');
  const fanFrame = await hear(/^cmd \S+ set fan=128$/, since);
  await send(`cack ${fanFrame.split(' ')[1]} ok`);
  await ha.waitForPayload(fan.state_topic, '128');

  // Payloads the entities never send are refused, counted, and nothing goes to the device.
  const before = heard.length;
  publish(relay.command_topic, 'MAYBE');
  publish(fan.command_topic, '300');
  publish('telemetry-hub/bench-1/valve/set', 'ON');
  await waitFor('three refusals counted', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return (
      /hub_ha_commands_refused_total\{reason="bad_payload"\} 2$/m.test(text) &&
      /hub_ha_commands_refused_total\{reason="unknown_entity"\} 1$/m.test(text)
    );
  });
  publish(fan.command_topic, '64');
  await hear(/^cmd \S+ set fan=64$/, before);
  assert.deepEqual(heard.slice(before).filter((l) => l.startsWith('cmd ')).length, 1, 'only the valid command reached the device');
});
