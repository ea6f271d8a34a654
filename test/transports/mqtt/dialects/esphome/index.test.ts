// The ESPHome dialect session. No published capture of an ESPHome node's MQTT traffic is among
// the project's fixtures, so the messages here are written in the format the ESPHome
// documentation gives (esphome.io, "MQTT Client Component": `<prefix>/status` online/offline,
// `<prefix>/sensor/<id>/state`, `<prefix>/binary_sensor/<id>/state` ON/OFF,
// `<prefix>/switch/<id>/state` and `/command`, `<prefix>/debug`, discovery configs with Home
// Assistant's abbreviated keys). Discovery configs from Home Assistant's own tests come from
// ha_discovery.jsonl (see ha_discovery.jsonl.source.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../../../../src/transports/mqtt/dialects/index.js';
import { esphomeDialect } from '../../../../../src/transports/mqtt/dialects/esphome/index.js';
import type { Command } from '../../../../../src/core/model.js';
import { TEMPERATURE_CONFIG } from './esphome-messages.js';
import { feed, fixtureLines } from '../session-feed.js';

const HA_DISCOVERY = fixtureLines('./ha_discovery.jsonl', import.meta.url);

const command = (params: Command['params'], action = 'set'): Command => ({
  id: 'c-1',
  deviceId: 'd-1',
  action,
  params,
  state: 'queued',
  createdAt: 1,
  updatedAt: 1,
  expiresAt: 30_001,
});

test('the broker speaks ESPHome; a node’s topic is its topic_prefix, by default its name', () => {
  assert.equal(DIALECTS.esphome, esphomeDialect);
  assert.equal(esphomeDialect.defaultTopic('livingroom'), 'livingroom');
  assert.equal(esphomeDialect.checkTopic('livingroom'), null);
  assert.equal(esphomeDialect.checkTopic('esphome/livingroom'), null);
  for (const bad of ['', 'a/+', 'a//b', '$SYS', 'homeassistant', 'devices/x']) assert.notEqual(esphomeDialect.checkTopic(bad), null, bad);
});

test('status, sensor, binary sensor and switch states decode to presence and readings', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  assert.deepEqual(feed(node, 'livingroom/status', 'online'), ['status online']);
  assert.deepEqual(feed(node, 'livingroom/status', 'offline'), ['status offline']);
  assert.deepEqual(feed(node, 'livingroom/sensor/temperature/state', '21.5'), ['reading temperature=21.5']);
  assert.deepEqual(feed(node, 'livingroom/sensor/wifi_signal/state', '-61'), ['reading wifi_signal=-61']);
  assert.deepEqual(feed(node, 'livingroom/binary_sensor/motion/state', 'ON'), ['reading motion=1']);
  assert.deepEqual(feed(node, 'livingroom/binary_sensor/motion/state', 'OFF'), ['reading motion=0']);
  assert.deepEqual(feed(node, 'livingroom/switch/relay/state', 'OFF'), [
    'reading relay=0',
    'answer relay=0',
    'meta {"actuators":[{"name":"relay","type":"relay"}]}',
  ]);
  assert.deepEqual(
    feed(node, 'livingroom/switch/relay/state', 'ON'),
    ['reading relay=1', 'answer relay=1'],
    'a known switch: no meta again',
  );
  assert.deepEqual(feed(node, 'livingroom/number/target/state', '22.5'), ['reading target=22.5', 'answer target=22.5']);
  assert.deepEqual(feed(node, 'livingroom/sensor/1wire/state', '3'), ['reading sensor_1wire=3']);
});

test('the log, text sensors and other components route and carry nothing for the hub', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  const log = "[D][sensor:093]: 'Temperature': Sending state 21.50000 °C with 1 decimals of accuracy";
  assert.deepEqual(feed(node, 'livingroom/debug', log), []);
  assert.deepEqual(feed(node, 'livingroom/text_sensor/version/state', '2024.6.0'), []);
  assert.deepEqual(feed(node, 'livingroom/light/lamp/state', '{"state":"ON","brightness":255}'), []);
  assert.deepEqual(feed(node, 'livingroom/cover/blind/position/state', '40'), []);
});

test('values that are not numbers or ON/OFF are refused one by one with the reason', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  assert.deepEqual(feed(node, 'livingroom/sensor/humidity/state', 'nan'), ['refused humidity: sensor humidity has no value (nan)']);
  assert.deepEqual(feed(node, 'livingroom/sensor/humidity/state', 'wet'), ['refused humidity: sensor state "wet" is not a number']);
  assert.deepEqual(feed(node, 'livingroom/binary_sensor/door/state', 'open'), [
    'refused door: binary_sensor state "open" is not ON or OFF',
  ]);
  assert.equal(feed(node, 'livingroom/status', 'asleep'), 'bad_status: status must be online or offline');
});

test('other nodes’ topics, command topics and empty levels are refused with their code', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  assert.equal(feed(node, 'kitchen/sensor/temperature/state', '1'), 'foreign_topic');
  assert.equal(feed(node, 'homeassistant/sensor/kitchen/temperature/config', TEMPERATURE_CONFIG), 'foreign_topic');
  assert.equal(feed(node, 'homeassistant/status', 'online'), 'foreign_topic');
  assert.equal(feed(node, 'livingroom/switch/relay/command', 'ON'), 'hub_topic');
  assert.equal(feed(node, 'livingroom/climate/heat/target_temperature_command', '21'), 'hub_topic');
  assert.equal(feed(node, 'livingroom//status', 'online'), 'bad_topic');
});

test('its own discovery configs give units, the name and software; a switch’s config makes it an actuator', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  assert.deepEqual(feed(node, 'homeassistant/sensor/livingroom/temperature/config', TEMPERATURE_CONFIG), [
    'meta {"name":"livingroom","firmware":"esphome v2024.6.0 Jun 20 2024, 10:00:00","metrics":[{"name":"temperature","unit":"°C"}]}',
  ]);
  const relay = JSON.stringify({ name: 'Relay', stat_t: 'livingroom/switch/relay/state', cmd_t: 'livingroom/switch/relay/command' });
  assert.deepEqual(feed(node, 'homeassistant/switch/livingroom/relay/config', relay), [
    'meta {"metrics":[{"name":"relay"}],"actuators":[{"name":"relay","type":"relay"}]}',
  ]);
  assert.deepEqual(feed(node, 'homeassistant/switch/livingroom/relay/config', ''), [], 'removal');
  assert.match(
    String(feed(node, 'homeassistant/sensor/livingroom/x/config', '{"unit_of_meas": 5}')),
    /^bad_meta: discovery config\.unit_of_meas/,
  );
  assert.match(String(feed(node, 'homeassistant/sensor/livingroom/x/config', 'not json')), /^bad_meta: discovery config is not JSON/);
});

test('Home Assistant’s own test configs: the one with a node id is its node’s, the others no node’s', () => {
  const node = esphomeDialect.open('d-1', 'my_node_id');
  const [plain, withNode, invalid, illegal, removal] = HA_DISCOVERY;
  // Its state topic is not under the prefix: the object id of the discovery topic names the metric.
  assert.deepEqual(feed(node, withNode.topic, withNode.payload), ['meta {"metrics":[{"name":"bla"}]}']);
  for (const other of [plain, invalid, illegal, removal])
    assert.equal(feed(node, other.topic, other.payload), 'foreign_topic', other.topic);
});

test('set on a switch goes to its command topic as ON/OFF and is answered by its state; a number takes its value', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  assert.deepEqual(node.command(command({ relay: true })), {
    ok: true,
    publishes: [{ topic: 'livingroom/switch/relay/command', payload: 'ON' }],
    answer: 'relay=1',
  });
  feed(node, 'livingroom/number/target/state', '20');
  assert.deepEqual(node.command(command({ target: 21.5 })), {
    ok: true,
    publishes: [{ topic: 'livingroom/number/target/command', payload: '21.5' }],
    answer: 'target=21.5',
  });
  const detail = (params: Command['params'], action?: string) => {
    const plan = node.command(command(params, action));
    return plan.ok ? 'ok' : plan.detail;
  };
  assert.match(detail({ relay: 3 }), /switch: set it to true or false/);
  assert.match(detail({ target: true }), /number entity: set it to a number/);
  assert.match(detail({ relay: true, fan: false }), /one entity/);
  assert.match(detail({ relay: true }, 'reboot'), /one entity/);
  assert.match(detail({ 'Living Room': true }), /names no switch/);
});

test('a node subscribes to its command topics and Home Assistant’s status only', () => {
  const node = esphomeDialect.open('d-1', 'livingroom');
  for (const filter of ['livingroom/switch/relay/command', 'livingroom/number/target/command', 'homeassistant/status'])
    assert.equal(node.maySubscribe(filter), true, filter);
  for (const filter of [
    'livingroom/#',
    'livingroom/switch/+/command',
    'kitchen/switch/relay/command',
    'homeassistant/#',
    'livingroom/status',
  ])
    assert.equal(node.maySubscribe(filter), false, filter);
  assert.deepEqual(node.subscribed('livingroom/switch/relay/command'), { resume: false, commands: true });
  assert.deepEqual(node.subscribed('homeassistant/status'), { resume: false, commands: false });
});
