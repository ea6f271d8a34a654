// Shelly devices through the real hub: Debian's mosquitto_pub publishes the real Shelly traffic
// of shelly.jsonl with each device's credentials, and mosquitto_sub plays the device's own
// connection: it subscribes to the command topics a Shelly subscribes to and leaves the last will
// a Shelly leaves (<prefix>/online false). The readings, units, actuators and presence are read
// back over REST; commands go through the hub's command path and are answered as a Shelly answers.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Command } from '../../../../../src/core/model.js';
import { getJson, startHub, waitFor, type TestHub } from '../../../../helpers/hub.js';
import { teardown } from '../../../../helpers/teardown.js';
import { killChildren, provisionDialect, rawClient, runMosquitto, spawnMosquitto } from '../../mqtt-helpers.js';

const lines: Array<{ topic: string; payload: string }> = readFileSync(new URL('./shelly.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

interface Device {
  id: string;
  login: string[];
  /** Publishes one message as the device (QoS 1: mosquitto_pub exits once the hub has stored what it carried). */
  publish(topic: string, payload: string): Promise<void>;
}

async function shelly(ctx: TestContext, t: TestHub, id: string, prefix: string): Promise<Device> {
  const key = await provisionDialect(t, id, 'shelly', prefix);
  const login = ['-h', '127.0.0.1', '-p', String(t.hub.mqtt.port), '-u', id, '-P', key, '-q', '1'];
  teardown(ctx, killChildren);
  return {
    id,
    login,
    async publish(topic, payload) {
      const pub = await runMosquitto('mosquitto_pub', [...login, '-i', `${id}-pub`, '-t', topic, '-m', payload]);
      assert.equal(pub.code, 0, pub.stderr);
    },
  };
}

/** mosquitto_sub as the device's connection: its command topics printed as `topic payload`, and its last will. */
function deviceConnection(device: Device, prefix: string, topics: string[]) {
  const subscriptions = topics.flatMap((topic) => ['-t', topic]);
  const will = ['--will-topic', `${prefix}/online`, '--will-payload', 'false', '--will-qos', '1'];
  return spawnMosquitto('mosquitto_sub', [...device.login, '-i', device.id, '-v', ...subscriptions, ...will]);
}

type Row = { metric: string; value: number; ts: number };
const readings = async (t: TestHub, id: string): Promise<Row[]> =>
  (await getJson(`${t.url}/api/devices/${id}/readings?from=1600000000000&limit=1000`)).body.readings;
const deviceView = async (t: TestHub, id: string) => (await getJson(`${t.url}/api/devices/${id}`)).body;
const unitOf = (view: { device: { metrics: Array<{ name: string; unit?: string }> } }, metric: string) =>
  view.device.metrics.find((m) => m.name === metric)?.unit;

/**
 * Waits for a presence change with this reason. The publishing mosquitto_pub is a second
 * connection of the device, and the broker may read its publish before it counts the connection
 * as open ("another connection opened" then follows): the change is in the history, not
 * necessarily the state at the end.
 */
async function reported(t: TestHub, id: string, reason: string): Promise<void> {
  await waitFor(reason, async () => (await deviceView(t, id)).presenceHistory.some((c: { reason: string }) => c.reason === reason));
}

async function settled(t: TestHub, command: Command): Promise<Command> {
  await waitFor(`command ${command.id} settled`, () => t.hub.commands.get(command.id) === undefined);
  const stored = (await t.hub.store.loadCommands({ deviceId: command.deviceId })).find((c) => c.id === command.id);
  assert.ok(stored);
  return stored;
}

test('Gen1 Shelly 1: presence, announce, relay state; a relay command goes out on relay/0/command and is acked by the state', async (ctx) => {
  const t = await startHub(ctx);
  const device = await shelly(ctx, t, 'shelly-1', 'shellies/shelly1');
  const connection = deviceConnection(device, 'shellies/shelly1', ['shellies/shelly1/relay/0/command', 'shellies/command']);
  await waitFor('connected', () => t.hub.devices.get('shelly-1')?.presence === 'online');

  const [online, announce, relayOn, offline] = lines;
  await device.publish(offline.topic, offline.payload);
  await reported(t, 'shelly-1', 'device reported offline');
  await device.publish(online.topic, online.payload);
  await device.publish(announce.topic, announce.payload);
  await device.publish(relayOn.topic, relayOn.payload);
  assert.deepEqual(
    (await readings(t, 'shelly-1')).map((r) => [r.metric, r.value]),
    [['relay.0', 1]],
  );
  const view = await waitFor('announce and relay recorded', async () => {
    const v = await deviceView(t, 'shelly-1');
    return v.device.firmware && v.device.actuators.length > 0 && v;
  });
  assert.equal(view.device.firmware, '20220809-123240/v1.12-g99f7e0b');
  assert.equal(view.device.dialect, 'shelly');
  assert.deepEqual(view.device.actuators, [{ name: 'relay.0', type: 'relay' }]);

  const command = await t.hub.commands.create({ deviceId: 'shelly-1', action: 'set', params: { 'relay.0': false }, timeoutMs: 10_000 });
  await waitFor('the device got off on its relay command topic', () =>
    connection.output().split('\n').includes('shellies/shelly1/relay/0/command off'),
  );
  assert.notEqual(t.hub.commands.get(command.id), undefined, 'the command waits for the relay to report off');
  await device.publish('shellies/shelly1/relay/0', 'off');
  assert.equal((await settled(t, command)).state, 'acked');
  assert.deepEqual(
    (await readings(t, 'shelly-1')).map((r) => [r.metric, r.value]),
    [
      ['relay.0', 1],
      ['relay.0', 0],
    ],
  );

  connection.child.kill('SIGKILL');
  await waitFor('offline by the last will', () => t.hub.devices.get('shelly-1')?.presence === 'offline');
  const history = (await deviceView(t, 'shelly-1')).presenceHistory;
  assert.match(history[0].reason, /last will|connection/);
});

test('Gen2 Plus 1PM: NotifyStatus at the device time, full status with units; Switch.Set answered on <src>/rpc', async (ctx) => {
  const t = await startHub(ctx);
  const device = await shelly(ctx, t, 'plus-1pm', 'shellies/plus1pm');
  const connection = deviceConnection(device, 'shellies/plus1pm', ['shellies/plus1pm/rpc']);
  await waitFor('connected', () => t.hub.devices.get('plus-1pm')?.presence === 'online');
  for (const line of lines.slice(4, 8)) await device.publish(line.topic, line.payload);

  const rows = await readings(t, 'plus-1pm');
  const at = (ts: number) => rows.filter((r) => r.ts === ts).map((r) => [r.metric, r.value]);
  assert.deepEqual(at(1661517385440), [['switch.0.voltage', 232.7]]);
  assert.deepEqual(at(1661517421440), [['switch.0.aenergy.total', 0]]);
  assert.deepEqual(at(1661517432850), [['switch.0.output', 1]]);
  const received = rows.filter((r) => r.ts > 1700000000000).map((r) => [r.metric, r.value]);
  assert.deepEqual(received.sort(), [
    ['switch.0.aenergy.total', 0],
    ['switch.0.apower', 0],
    ['switch.0.current', 0],
    ['switch.0.output', 0],
    ['switch.0.temperature.tc', 39.2],
    ['switch.0.voltage', 232.7],
  ]);
  const view = await waitFor('units and the switch recorded', async () => {
    const v = await deviceView(t, 'plus-1pm');
    return v.device.actuators.length > 0 && unitOf(v, 'switch.0.temperature.tc') && v;
  });
  assert.deepEqual(view.device.actuators, [{ name: 'switch.0', type: 'relay' }]);
  const units = ['switch.0.voltage', 'switch.0.apower', 'switch.0.current', 'switch.0.aenergy.total', 'switch.0.temperature.tc'];
  assert.deepEqual(
    units.map((m) => unitOf(view, m)),
    ['V', 'W', 'A', 'Wh', '°C'],
  );

  const request = async (on: boolean) => {
    const command = await t.hub.commands.create({ deviceId: 'plus-1pm', action: 'set', params: { 'switch.0': on }, timeoutMs: 10_000 });
    const line = await waitFor('Switch.Set on the rpc topic', () =>
      connection
        .output()
        .split('\n')
        .find((l) => l.startsWith('shellies/plus1pm/rpc ') && JSON.parse(l.slice(21)).params.on === on),
    );
    return { command, request: JSON.parse(line.slice('shellies/plus1pm/rpc '.length)) };
  };
  const on = await request(true);
  assert.deepEqual(on.request, { id: on.request.id, src: 'telemetry-hub/plus-1pm', method: 'Switch.Set', params: { id: 0, on: true } });
  const answer = { id: on.request.id, src: 'shellyplus1pm-4417939341dc', dst: on.request.src, result: { was_on: false } };
  await device.publish(`${on.request.src}/rpc`, JSON.stringify(answer));
  assert.equal((await settled(t, on.command)).state, 'acked');

  const off = await request(false);
  const error = { id: off.request.id, src: 'shellyplus1pm-4417939341dc', dst: off.request.src, error: { code: -103, message: 'busy' } };
  await device.publish(`${off.request.src}/rpc`, JSON.stringify(error));
  const failed = await settled(t, off.command);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.error, 'busy (code -103)');

  const [, , , , , , , , offline] = lines;
  await device.publish(offline.topic, offline.payload);
  await reported(t, 'plus-1pm', 'device reported offline');
});

test('Gen1 Shelly 3EM: emeter readings in W, V and Wh under its doubled shellies/ prefix', async (ctx) => {
  const t = await startHub(ctx);
  const device = await shelly(ctx, t, 'em3', 'shellies/shellies/shellyem3');
  for (const line of lines.slice(9)) await device.publish(line.topic, line.payload);
  assert.deepEqual((await readings(t, 'em3')).map((r) => [r.metric, r.value]).sort(), [
    ['emeter.0.power', 0],
    ['emeter.0.total', 0],
    ['emeter.0.total_returned', 0],
    ['emeter.0.voltage', 230.35],
  ]);
  const view = await waitFor('units recorded', async () => {
    const v = await deviceView(t, 'em3');
    return v.device.metrics.length >= 4 && v;
  });
  assert.deepEqual(
    ['emeter.0.power', 'emeter.0.voltage', 'emeter.0.total', 'emeter.0.total_returned'].map((m) => unitOf(view, m)),
    ['W', 'V', 'Wh', 'Wh'],
  );
});

test('bad input is refused with its reason and counted; the connection and the other readings survive', async (ctx) => {
  const t = await startHub(ctx);
  const device = await shelly(ctx, t, 'em3', 'shellies/shellies/shellyem3');
  const refusals: Array<{ code: string; detail: string }> = [];
  const off = t.hub.bus.on('refusal', (r: { deviceId: string | null; code: string; detail: string }) => {
    if (r.deviceId === 'em3') refusals.push(r);
  });
  teardown(ctx, off);
  const client = await rawClient(ctx, t, { clientId: 'em3', username: 'em3', password: device.login[device.login.indexOf('-P') + 1] });
  const bad: Array<[string, string]> = [
    ['shellies/shellies/shellyem3/emeter/0/power', 'n/a'],
    ['shellies/shellies/shellyem3/events/rpc', '{"method": '],
    ['shellies/shellies/shellyem3/online', 'perhaps'],
    ['shellies/shelly1/relay/0', 'on'],
    ['shellies/shellies/shellyem3/relay/0/command', 'on'],
  ];
  for (const [topic, payload] of bad) await client.publishAsync(topic, payload, { qos: 1 });
  await client.publishAsync('shellies/shellies/shellyem3/emeter/0/voltage', '230.35', { qos: 1 });
  await waitFor('five refusals', () => refusals.length === 5);
  assert.deepEqual(
    refusals.map((r) => r.code),
    ['bad_value', 'malformed', 'bad_status', 'foreign_topic', 'hub_topic'],
  );
  assert.match(refusals[0].detail, /plain number.*emeter\.0\.power/);
  assert.ok(client.connected, 'the connection stays open');
  assert.deepEqual(
    (await readings(t, 'em3')).map((r) => [r.metric, r.value]),
    [['emeter.0.voltage', 230.35]],
  );
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  for (const code of ['bad_value', 'malformed', 'bad_status', 'foreign_topic', 'hub_topic'])
    assert.match(metrics, new RegExp(`hub_frames_rejected_total\\{transport="mqtt",reason="${code}"\\} 1`), code);
});
