// A hub with simulated devices bridged to a real mosquitto, with an mqtt.js client in Home
// Assistant's place: the climate sensor's discovery configs checked field by field, its state
// and availability, the relay switched from Home Assistant, the birth message, removal, health.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Command } from '../../../src/core/model.js';
import { VERSION } from '../../../src/version.js';
import { getJson, startHub, waitFor } from '../../helpers/hub.js';
import { HomeAssistantSide, haAcceptsTopic } from './ha-side.js';
import { startMosquitto } from './mosquitto.js';

const SENSOR = 'homeassistant/sensor/telemetry-hub_sim-001';
const DEVICE_BLOCK = {
  identifiers: ['telemetry-hub_sim-001'],
  name: 'Simulated climate sensor 1',
  manufacturer: 'telemetry-hub',
  model: 'MQTT device',
  sw_version: 'simulator-1',
};
/** How Home Assistant's own test removes a discovered entity: an empty payload on its config topic. */
const REMOVAL = readFileSync(join(import.meta.dirname, 'fixtures', 'ha_discovery.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .find((line) => line.source.test === 'test_removal').payload as string;
const AVAILABILITY = [{ topic: 'telemetry-hub/status' }, { topic: 'telemetry-hub/sim-001/availability' }];

test('a simulated climate sensor appears in Home Assistant with its sensors, state and relay', async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  const { hub, url } = await startHub(t, { simulate: 2, simulateIntervalMs: 100, haMqttUrl: broker.url, haStateIntervalMs: 0 });

  const temperature = await ha.config(`${SENSOR}/temperature/config`);
  assert.equal(temperature.name, 'Temperature');
  assert.equal(temperature.unique_id, 'telemetry-hub_sim-001_temperature');
  assert.equal(temperature.object_id, 'sim-001_temperature');
  assert.equal(temperature.default_entity_id, 'sensor.sim_001_temperature');
  assert.deepEqual(temperature.device, DEVICE_BLOCK);
  assert.deepEqual(temperature.origin, { name: 'telemetry-hub', sw_version: VERSION });
  assert.deepEqual(temperature.availability, AVAILABILITY);
  assert.equal(temperature.availability_mode, 'all');
  assert.equal(temperature.payload_available, 'online');
  assert.equal(temperature.payload_not_available, 'offline');
  assert.equal(temperature.state_topic, 'telemetry-hub/sim-001/state');
  assert.equal(temperature.value_template, "{{ value_json['temperature'] | default('') }}");
  assert.equal(temperature.device_class, 'temperature');
  assert.equal(temperature.unit_of_measurement, '°C');
  assert.equal(temperature.state_class, 'measurement');
  assert.equal(Object.keys(temperature).length, 15, `no field beyond those checked: ${Object.keys(temperature)}`);

  const humidity = await ha.config(`${SENSOR}/humidity/config`);
  assert.equal(humidity.name, 'Humidity');
  assert.equal(humidity.unique_id, 'telemetry-hub_sim-001_humidity');
  assert.equal(humidity.device_class, 'humidity');
  assert.equal(humidity.unit_of_measurement, '%');
  assert.equal(humidity.state_class, 'measurement');
  assert.deepEqual(humidity.device, DEVICE_BLOCK);

  const relay = await ha.config('homeassistant/switch/telemetry-hub_sim-001/relay/config');
  assert.equal(relay.name, 'Relay');
  assert.equal(relay.unique_id, 'telemetry-hub_sim-001_relay');
  assert.equal(relay.command_topic, 'telemetry-hub/sim-001/relay/set');
  assert.equal(relay.state_topic, 'telemetry-hub/sim-001/relay/state');
  assert.equal(relay.payload_on, 'ON');
  assert.equal(relay.payload_off, 'OFF');
  assert.deepEqual(relay.availability, AVAILABILITY);

  const meter = await ha.config('homeassistant/sensor/telemetry-hub_sim-002/energy/config');
  assert.equal(meter.device_class, 'energy');
  assert.equal(meter.unit_of_measurement, 'kWh');
  assert.equal(meter.state_class, 'total_increasing');

  for (const topic of ha.configTopics()) assert.ok(haAcceptsTopic(topic), `Home Assistant accepts ${topic}`);
  assert.equal(ha.latest('telemetry-hub/status'), 'online');
  await ha.waitForPayload('telemetry-hub/sim-001/availability', 'online');
  const state = await ha.state('telemetry-hub/sim-001/state', (s) => 'temperature' in s && 'humidity' in s);
  assert.ok(state.temperature > 10 && state.temperature < 35, JSON.stringify(state));
  const stored = hub.latest.of('sim-001');
  assert.ok(stored.temperature && stored.humidity, 'the hub holds the values Home Assistant got');

  // The relay: ON from Home Assistant becomes a hub command; once acked the switch shows ON.
  const acked = new Promise<Command>((resolve) => hub.bus.on('command', (c) => c.state === 'acked' && resolve(c)));
  await ha.publish(relay.command_topic, 'ON');
  const command = await acked;
  assert.equal(command.deviceId, 'sim-001');
  assert.equal(command.action, 'set');
  assert.deepEqual(command.params, { relay: true });
  await ha.waitForPayload(relay.state_topic, 'ON');

  const health = await getJson(`${url}/api/health`);
  assert.equal(health.body.components.homeAssistant.ok, true);
  assert.equal(health.body.components.homeAssistant.connected, true);
});

test("Home Assistant's birth message brings every config again; a removed device's configs are emptied", async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  // A command someone retained: the broker replays it on every subscribe, so it is never carried out.
  await ha.publish('telemetry-hub/sim-001/relay/set', 'OFF', { retain: true });
  const { hub, url } = await startHub(t, { simulate: 2, simulateIntervalMs: 100, haMqttUrl: broker.url });
  const configTopic = `${SENSOR}/temperature/config`;
  await ha.config(configTopic);
  await ha.config('homeassistant/switch/telemetry-hub_sim-001/relay/config');
  await waitFor('the retained command refused', async () =>
    /hub_ha_commands_refused_total\{reason="retained"\} 1$/m.test(await (await fetch(`${url}/metrics`)).text()),
  );
  assert.deepEqual(await hub.store.loadCommands({ deviceId: 'sim-001' }), [], 'no command was made from it');

  const before = ha.messages.length;
  await ha.publish('homeassistant/status', 'offline');
  await ha.publish('homeassistant/status', 'online');
  const again = await ha.waitForPayload(configTopic, ha.latest(configTopic)!, before);
  assert.equal(again.retain, false, 'a fresh publish, not the retained copy');
  await waitFor('the other device again', () =>
    ha.messages.slice(before).some((m) => m.topic === 'homeassistant/sensor/telemetry-hub_sim-002/power/config'),
  );

  const sim1Configs = ha.configTopics().filter((topic) => topic.includes('telemetry-hub_sim-001/'));
  assert.equal(sim1Configs.length, 3, `temperature, humidity, relay: ${sim1Configs}`);
  const mark = ha.messages.length;
  hub.bus.emit('deviceRemoved', { id: 'sim-001' });
  assert.equal(REMOVAL, '');
  for (const topic of sim1Configs) await ha.waitForPayload(topic, REMOVAL, mark);
  await ha.waitForPayload('telemetry-hub/sim-001/state', '', mark);

  // A Home Assistant that connects now finds no config of the removed device (the empty payloads
  // were retained, which clears the broker's copy), and the other's still.
  const late = await HomeAssistantSide.connect(t, broker.url);
  await late.config('homeassistant/sensor/telemetry-hub_sim-002/power/config');
  assert.deepEqual(
    late.configTopics().filter((topic) => topic.includes('telemetry-hub_sim-001/')),
    [],
  );
});
