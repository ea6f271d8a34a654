// The embedded broker end to end with real clients: Debian's mosquitto_pub/mosquitto_sub with
// a key made by `telemetry-hub device add`, the device client over TCP and over WebSocket,
// presence from connections, silence, keepalive timeouts and last wills, and commands with
// redelivery (also of a command whose answer was lost, which the device must not apply twice).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import type { Command } from '../../../src/core/model.js';
import type { DeviceClient } from '../../../src/device-client/client.js';
import { killChildren, provision, runMosquitto, spawnMosquitto, startDevice } from './mqtt-helpers.js';

let t: TestHub;
const devices: DeviceClient[] = [];

before(async () => {
  t = await startHub({ staleFactor: 3 });
});
after(async () => {
  killChildren();
  await Promise.all(devices.map((d) => d.stop()));
  await t.stop();
});

test('mosquitto_pub telemetry with a key from `device add` is stored and found through the REST API; mosquitto_sub sees the ack', async () => {
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'device', 'add', 'meter-7', '--data-dir', t.dataDir], {
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  const key = cli.stdout.trim();
  assert.match(key, /^[A-Za-z0-9_-]{32}$/);
  const port = String(t.hub.mqtt.port);
  const login = ['-h', '127.0.0.1', '-p', port, '-u', 'meter-7', '-P', key];
  const sub = spawnMosquitto('mosquitto_sub', [
    ...login,
    '-i',
    'meter-7-sub',
    '-t',
    'devices/meter-7/ack',
    '-q',
    '1',
    '-C',
    '2',
    '-W',
    '20',
  ]);
  await waitFor('resume ack to mosquitto_sub', () => sub.output().includes('{"h":null,"maxPayload":262144}'));
  const ts = Date.now() - 1_000;
  const pub = await runMosquitto('mosquitto_pub', [
    ...login,
    '-i',
    'meter-7-pub',
    '-q',
    '1',
    '-t',
    'devices/meter-7/telemetry',
    '-m',
    JSON.stringify({ seq: 0, ts, readings: { power: 230.5, energy: 1234.25 } }),
  ]);
  assert.equal(pub.code, 0, pub.stderr);
  await waitFor('ack {h:0} to mosquitto_sub', () => sub.output().includes('{"h":0}'));
  const { status, body } = await getJson(`${t.url}/api/devices/meter-7/readings?from=${ts - 1}`);
  assert.equal(status, 200);
  assert.deepEqual(body.readings.map((r: { metric: string; value: number; ts: number }) => [r.metric, r.value, r.ts]).sort(), [
    ['energy', 1234.25, ts],
    ['power', 230.5, ts],
  ]);
  const device = (await getJson(`${t.url}/api/devices/meter-7`)).body.device;
  assert.equal(device.transport, 'mqtt');
});

test('a device client publishes its meta, streams readings, goes stale when silent and offline by its last will', async () => {
  const device = await startDevice(t, 'climate-1', {
    meta: {
      name: 'Hall climate',
      firmware: 'test-1.0',
      sampleIntervalMs: 50,
      metrics: [{ name: 'temperature', unit: '°C' }],
      actuators: [{ name: 'led', type: 'led' }],
    },
  });
  devices.push(device);
  const ts = Date.now();
  for (let i = 0; i < 20; i++) device.send({ temperature: 20 + i / 10 }, ts - 20_000 + i * 1000);
  await device.drained();
  assert.equal(device.head, 19);
  const { body } = await getJson(`${t.url}/api/devices/climate-1`);
  assert.equal(body.device.name, 'Hall climate');
  assert.equal(body.device.firmware, 'test-1.0');
  assert.equal(body.device.sampleIntervalMs, 50);
  assert.deepEqual(body.device.metrics, [{ name: 'temperature', unit: '°C' }]);
  assert.deepEqual(body.device.actuators, [{ name: 'led', type: 'led' }]);
  const readings = (await getJson(`${t.url}/api/devices/climate-1/readings?metric=temperature&from=${ts - 60_000}`)).body.readings;
  assert.equal(readings.length, 20);

  // Silent for more than 3 × 50 ms while connected: stale. Data again: online.
  await waitFor('stale', () => t.hub.devices.get('climate-1')?.presence === 'stale', 5_000);
  device.send({ temperature: 22 });
  await waitFor('online again', () => t.hub.devices.get('climate-1')?.presence === 'online', 5_000);
  device.cut({ stay: true });
  await waitFor('offline', () => t.hub.devices.get('climate-1')?.presence === 'offline', 5_000);
  const history = await waitFor('history', async () => {
    const h = (await getJson(`${t.url}/api/devices/climate-1`)).body.presenceHistory;
    return h.length >= 4 && h;
  });
  const states = history.map((c: { state: string }) => c.state).reverse();
  assert.deepEqual(states.slice(-4), ['online', 'stale', 'online', 'offline']);
  assert.match(history[0].reason, /last will|connection/);
  assert.ok(
    history.every((c: { ts: number }) => Number.isInteger(c.ts)),
    'every change is timestamped',
  );
});

test('a command queued while the device is away is delivered when it connects, acked, and every state is stored', async () => {
  const key = await provision(t, 'relay-1');
  await t.hub.devices.register({ id: 'relay-1', name: 'relay-1', transport: 'mqtt' });
  const states: string[] = [];
  const off = t.hub.bus.on('command', (c: Command) => c.deviceId === 'relay-1' && states.push(c.state));
  const early = await t.hub.commands.create({ deviceId: 'relay-1', action: 'set', params: { relay: true }, timeoutMs: 30_000 });
  assert.equal(early.state, 'queued');
  const applied: unknown[] = [];
  const device = await startDevice(t, 'relay-1', {
    key,
    onCommand: (cmd) => {
      applied.push(cmd.params);
      return cmd.action === 'set' ? { ok: true } : { ok: false, error: `cannot ${cmd.action}` };
    },
  });
  devices.push(device);
  await waitFor('early command acked', () => t.hub.commands.get(early.id) === undefined && states.includes('acked'));
  const bad = await t.hub.commands.create({ deviceId: 'relay-1', action: 'dance', timeoutMs: 30_000 });
  await waitFor('bad command failed', () => states.includes('failed'));
  off();
  assert.deepEqual(applied, [{ relay: true }, {}]);
  const stored = await t.hub.store.loadCommands({ deviceId: 'relay-1' });
  assert.equal(stored.find((c) => c.id === early.id)?.state, 'acked');
  assert.equal(stored.find((c) => c.id === bad.id)?.error, 'cannot dance');
  assert.deepEqual(states.slice(0, 3), ['queued', 'sent', 'acked']);
});

test('a command whose answer was lost is redelivered on reconnect and answered again without being applied twice', async () => {
  let applied = 0;
  const device: DeviceClient = await startDevice(t, 'relay-2', {
    onCommand: () => {
      applied += 1;
      // Power lost right after switching: the answer never leaves the device.
      if (applied === 1) device.cut();
      return { ok: true };
    },
  });
  devices.push(device);
  const events: string[] = [];
  device.on('connected', () => events.push('reconnected'));
  const off = t.hub.bus.on('command', (c: Command) => c.deviceId === 'relay-2' && events.push(c.state));
  const cmd = await t.hub.commands.create({ deviceId: 'relay-2', action: 'set', params: { relay: true }, timeoutMs: 30_000 });
  await waitFor('acked after the reconnect', () => events.includes('acked'));
  off();
  assert.equal(applied, 1, 'the device applied the command once and answered the redelivery from memory');
  assert.deepEqual(
    events.filter((e) => e !== 'reconnected'),
    ['queued', 'sent', 'acked'],
  );
  const reconnected = events.indexOf('reconnected');
  assert.ok(reconnected >= 0 && reconnected < events.indexOf('acked'), `the answer came only after the reconnect: ${events.join(', ')}`);
  assert.equal((await t.hub.store.loadCommands({ deviceId: 'relay-2' })).find((c) => c.id === cmd.id)?.state, 'acked');
});

test('a connection that goes silent past its keepalive takes the device offline with the reason', async (ctx) => {
  const key = await provision(t, 'silent-1');
  const socket = connectTcp(t.hub.mqtt.port, '127.0.0.1');
  teardown(ctx, () => socket.destroy());
  socket.on('error', () => {});
  const connack = new Promise<Buffer>((resolve) => socket.once('data', resolve));
  socket.write(connectPacket({ clientId: 'silent-1', username: 'silent-1', password: key, keepaliveSeconds: 1 }));
  assert.deepEqual([...(await connack)], [0x20, 0x02, 0x00, 0x00], 'CONNACK: accepted');
  await waitFor('online', () => t.hub.devices.get('silent-1')?.presence === 'online');
  // No PINGREQ from here on: the broker gives up after 1.5 × keepalive.
  await waitFor('offline', () => t.hub.devices.get('silent-1')?.presence === 'offline', 10_000);
  const history = (await getJson(`${t.url}/api/devices/silent-1`)).body.presenceHistory;
  assert.equal(history[0].reason, 'keepalive timeout');
});

/** An MQTT 3.1.1 CONNECT with clean session, username and password, built by hand so nothing answers pings for us. */
function connectPacket(o: { clientId: string; username: string; password: string; keepaliveSeconds: number }): Buffer {
  const field = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
  };
  const body = Buffer.concat([
    field('MQTT'),
    Buffer.from([4, 0b1100_0010, o.keepaliveSeconds >> 8, o.keepaliveSeconds & 0xff]),
    field(o.clientId),
    field(o.username),
    field(o.password),
  ]);
  const length: number[] = [];
  for (let n = body.length; ; ) {
    const digit = n % 128;
    n = Math.floor(n / 128);
    length.push(n > 0 ? digit | 0x80 : digit);
    if (n === 0) break;
  }
  return Buffer.concat([Buffer.from([0x10, ...length]), body]);
}

test('MQTT over WebSocket at /mqtt carries the same stream', async () => {
  const port = new URL(t.url).port;
  const device = await startDevice(t, 'ws-dev', { url: `ws://127.0.0.1:${port}/mqtt` });
  devices.push(device);
  device.sendBatch([{ readings: { a: 1, b: 2 } }, { readings: { c: 3 } }]);
  await device.drained();
  assert.equal(device.head, 0);
  const { body } = await getJson(`${t.url}/api/devices/ws-dev/readings`);
  assert.deepEqual(body.readings.map((r: { metric: string }) => r.metric).sort(), ['a', 'b', 'c']);
});

test('health reports the broker', async () => {
  const { body } = await getJson(`${t.url}/api/health`);
  assert.equal(body.components.broker.ok, true);
  assert.ok(body.components.broker.clients >= 1);
});
