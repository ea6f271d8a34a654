// An ESPHome node through the real hub, played by Debian's mosquitto clients with the node's
// credentials, in the message format of the ESPHome documentation (see esphome-messages.ts):
// states and a discovery config found over REST with values and units, presence from the status
// topic and the last will, `nan` refused with the reason while the rest is kept, and a switch
// commanded through the hub, received on its command topic and acked by its new state.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, waitFor, type TestHub } from '../../../../helpers/hub.js';
import { killChildren, provisionDialect, runMosquitto, spawnMosquitto } from '../../mqtt-helpers.js';
import type { HubEvents } from '../../../../../src/core/events.js';
import { TEMPERATURE_CONFIG } from './esphome-messages.js';

after(killChildren);

const changesOf = async (t: TestHub, id: string): Promise<string[]> => {
  const { status, body } = await getJson(`${t.url}/api/devices/${id}`);
  if (status === 404) return [];
  return body.presenceHistory.map((c: { state: string; reason: string }) => `${c.state}: ${c.reason}`);
};
const presenceOf = async (t: TestHub, id: string) => (await getJson(`${t.url}/api/devices/${id}`)).body.device?.presence;

test('an ESPHome node: readings and units over REST, presence from status and its will, nan refused, a switch commanded to acked', async (tc) => {
  const t = await startHub(tc);
  const key = await provisionDialect(t, 'livingroom-1', 'esphome', 'livingroom');
  const login = ['-h', '127.0.0.1', '-p', String(t.hub.mqtt.port), '-u', 'livingroom-1', '-P', key, '-q', '1'];
  const publish = async (topic: string, payload: string) => {
    const pub = await runMosquitto('mosquitto_pub', [...login, '-i', 'livingroom-1-pub', '-r', '-t', topic, '-m', payload]);
    assert.equal(pub.code, 0, pub.stderr);
  };
  const refusals: Array<HubEvents['refusal']> = [];
  tc.after(t.hub.bus.on('refusal', (r) => refusals.push(r)));
  const states: string[] = [];
  tc.after(t.hub.bus.on('command', (c) => c.deviceId === 'livingroom-1' && states.push(c.state)));

  // The node's own connection: its switch's command topic, Home Assistant's status, and `offline` as its will.
  const node = spawnMosquitto('mosquitto_sub', [
    ...login,
    ...['-i', 'livingroom-1', '-v', '-t', 'livingroom/switch/relay/command', '-t', 'homeassistant/status'],
    ...['--will-topic', 'livingroom/status', '--will-payload', 'offline', '--will-retain', '--will-qos', '1'],
  ]);
  await waitFor('node connected', async () => (await presenceOf(t, 'livingroom-1')) === 'online');

  const from = Date.now() - 1;
  await publish('livingroom/status', 'online');
  await publish('homeassistant/sensor/livingroom/temperature/config', TEMPERATURE_CONFIG);
  await publish('livingroom/sensor/temperature/state', '21.5');
  await publish('livingroom/binary_sensor/motion/state', 'ON');
  await publish('livingroom/switch/relay/state', 'OFF');
  await publish('livingroom/debug', "[D][sensor:093]: 'Temperature': Sending state 21.50000 °C with 1 decimals of accuracy");
  await publish('livingroom/sensor/humidity/state', 'nan');
  await publish('livingroom/sensor/humidity/state', '45.2');
  const readings = async () =>
    (await getJson(`${t.url}/api/devices/livingroom-1/readings?from=${from}`)).body.readings
      .map((r: { metric: string; value: number }) => `${r.metric}=${r.value}`)
      .sort();
  assert.deepEqual(await readings(), ['humidity=45.2', 'motion=1', 'relay=0', 'temperature=21.5']);
  const { body } = await getJson(`${t.url}/api/devices/livingroom-1`);
  assert.equal(body.device.firmware, 'esphome v2024.6.0 Jun 20 2024, 10:00:00');
  assert.deepEqual(
    body.device.metrics.find((m: { name: string }) => m.name === 'temperature'),
    { name: 'temperature', unit: '°C' },
  );
  assert.deepEqual(body.device.actuators, [{ name: 'relay', type: 'relay' }]);
  assert.deepEqual(
    refusals.map((r) => [r.code, r.detail]),
    [['bad_value', 'sensor humidity has no value (nan) (metric humidity)']],
  );

  // The switch, commanded through the hub: ON on its command topic, acked when it reports ON.
  const command = await t.hub.commands.create({ deviceId: 'livingroom-1', action: 'set', params: { relay: true }, timeoutMs: 10_000 });
  await waitFor('the node received the command', () => node.output().includes('livingroom/switch/relay/command ON'));
  await waitFor('sent', () => states.includes('sent'));
  assert.ok(!states.includes('acked'), 'not acked before the node answers');
  await publish('livingroom/switch/relay/state', 'ON');
  await waitFor('acked', () => states.includes('acked'));
  const stored = await t.hub.store.loadCommands({ deviceId: 'livingroom-1' });
  assert.equal(stored.find((c) => c.id === command.id)?.state, 'acked');
  assert.ok((await readings()).includes('relay=1'));

  // Presence: the status topic says offline, then online; the node dropping off leaves its will.
  await publish('livingroom/status', 'offline');
  await waitFor('offline by status', async () => (await changesOf(t, 'livingroom-1')).includes('offline: device reported offline'));
  await publish('livingroom/status', 'online');
  await waitFor('online by status', async () => (await presenceOf(t, 'livingroom-1')) === 'online');
  assert.equal(node.child.exitCode, null, 'the node’s connection is still open');
  node.child.kill('SIGKILL');
  await waitFor('offline by the last will', async () => (await changesOf(t, 'livingroom-1'))[0] === 'offline: connection lost (last will)');
});
