// The pure parts of the bridge: topics checked against Home Assistant's own discovery test cases
// (fixtures/ha_discovery.jsonl), ids made legal, the entity each unit and name maps to, the
// command payloads a switch and a number send, and the coalescing of state publishes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Device } from '../../../src/core/model.js';
import { actuatorState, parseCommandPayload } from '../../../src/integrations/home-assistant/commands.js';
import { deviceEntities } from '../../../src/integrations/home-assistant/discovery.js';
import { sensorKindOf } from '../../../src/integrations/home-assistant/entities.js';
import { StateCoalescer } from '../../../src/integrations/home-assistant/state.js';
import { BridgeTopics, checkTopicRoot, topicId } from '../../../src/integrations/home-assistant/topics.js';
import { haAcceptsTopic } from './ha-side.js';

interface FixtureLine {
  topic: string;
  payload: string;
  source: { test: string };
  source_asserts: Record<string, unknown>;
}
const fixtures: FixtureLine[] = readFileSync(join(import.meta.dirname, 'fixtures', 'ha_discovery.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const byTest = (name: string) => fixtures.find((f) => f.source.test === name)!;

const device = (id: string, extra: Partial<Device> = {}): Device => ({
  id,
  name: id,
  transport: 'mqtt',
  metrics: [{ name: 'temperature', unit: '°C' }, { name: 'air.quality-index' }],
  actuators: [
    { name: 'relay', type: 'relay' },
    { name: 'servo.arm', type: 'servo' },
  ],
  presence: 'online',
  lastSeen: null,
  createdAt: 0,
  ...extra,
});

describe("discovery topics against Home Assistant's test cases", () => {
  it('the matcher agrees with Home Assistant on its own valid and illegal topics', () => {
    assert.equal(haAcceptsTopic(byTest('test_correct_config_discovery').topic), true);
    assert.equal(haAcceptsTopic(byTest('test_discovery_incl_nodeid').topic), true);
    const illegal = byTest('test_invalid_topic');
    assert.match(String(illegal.source_asserts.log_contains), /illegal discovery topic/);
    assert.equal(haAcceptsTopic(illegal.topic), false);
  });

  it('ids Home Assistant would reject become legal, stay apart and stay the same', () => {
    const illegal = byTest('test_invalid_topic').topic.split('/')[2]; // rörkrökare
    const ids = [illegal, 'meter.1', 'meter_1', 'a/b', 'x+#', 'ok-id_1', '.', '_'];
    const made = ids.map(topicId);
    assert.equal(new Set(made).size, ids.length, `no two ids collide: ${made}`);
    assert.deepEqual(ids.map(topicId), made, 'deterministic');
    assert.equal(topicId('ok-id_1'), 'ok-id_1', 'a legal id is kept');
    const topics = new BridgeTopics('homeassistant', 'home/hub.1');
    for (const id of ids) {
      for (const entity of deviceEntities(device(id, { metrics: [{ name: id.replace(/^[^A-Za-z]+/, 'm') }] }), topics, '1.0')) {
        assert.ok(haAcceptsTopic(entity.configTopic), entity.configTopic);
      }
    }
  });

  it('every config is a JSON object (never the invalid JSON case) and names its entity uniquely', () => {
    assert.throws(() => JSON.parse(byTest('test_invalid_json').payload));
    const entities = deviceEntities(device('plant.7'), new BridgeTopics('homeassistant', 'telemetry-hub'), '1.0');
    assert.deepEqual(
      entities.map((e) => [e.component, e.configTopic.split('/').slice(1).join('/')]),
      [
        ['sensor', `sensor/telemetry-hub_${topicId('plant.7')}/temperature/config`],
        ['sensor', `sensor/telemetry-hub_${topicId('plant.7')}/${topicId('air.quality-index')}/config`],
        ['switch', `switch/telemetry-hub_${topicId('plant.7')}/relay/config`],
        ['number', `number/telemetry-hub_${topicId('plant.7')}/${topicId('servo.arm')}/config`],
      ],
    );
    const parsed = entities.map((e) => JSON.parse(JSON.stringify(e.config)));
    assert.equal(new Set(parsed.map((c) => c.unique_id)).size, 4);
    assert.equal(parsed[1].value_template, "{{ value_json['air.quality-index'] | default('') }}");
    assert.deepEqual([parsed[3].min, parsed[3].max, parsed[3].step], [0, 180, 1]);
  });

  it('refuses topic roots that are no topics', () => {
    assert.equal(checkTopicRoot('X', 'home/hub'), 'home/hub');
    for (const bad of ['', '/hub', 'hub/', 'hub/+', 'hub/#']) assert.throws(() => checkTopicRoot('X', bad), /X: must be a topic/);
  });
});

describe('entity classes', () => {
  const kind = (name: string, unit?: string) => sensorKindOf({ name, unit });
  it('maps units and names to device class, unit and state class', () => {
    assert.deepEqual(kind('energy', 'kWh'), { device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'total_increasing' });
    assert.deepEqual(kind('heat', 'GJ'), { device_class: 'energy', unit_of_measurement: 'GJ', state_class: 'total_increasing' });
    assert.deepEqual(kind('gas_ch4', 'm3'), { device_class: 'gas', unit_of_measurement: 'm³', state_class: 'total_increasing' });
    assert.deepEqual(kind('water', 'm3'), { device_class: 'water', unit_of_measurement: 'm³', state_class: 'total_increasing' });
    assert.deepEqual(kind('power', 'W'), { device_class: 'power', unit_of_measurement: 'W', state_class: 'measurement' });
    assert.deepEqual(kind('humidity', '%'), { device_class: 'humidity', unit_of_measurement: '%', state_class: 'measurement' });
    assert.deepEqual(kind('battery', '%'), { device_class: 'battery', unit_of_measurement: '%', state_class: 'measurement' });
    assert.deepEqual(kind('light', '%'), { unit_of_measurement: '%', state_class: 'measurement' });
    assert.deepEqual(kind('tank', 'm3'), { unit_of_measurement: 'm³', state_class: 'measurement' });
    assert.deepEqual(kind('co2', 'ppm'), { device_class: 'carbon_dioxide', unit_of_measurement: 'ppm', state_class: 'measurement' });
    assert.deepEqual(kind('tariff', ''), { state_class: 'measurement' });
    assert.deepEqual(kind('rpm'), { state_class: 'measurement' });
  });
});

describe('command payloads', () => {
  const relay = { name: 'relay', type: 'relay' as const };
  const pwm = { name: 'fan', type: 'pwm' as const };
  it('turns what a switch and a number send into set values and refuses the rest', () => {
    assert.deepEqual(parseCommandPayload(relay, 'ON'), { ok: true, value: true });
    assert.deepEqual(parseCommandPayload(relay, 'OFF'), { ok: true, value: false });
    assert.deepEqual(parseCommandPayload(pwm, '255'), { ok: true, value: 255 });
    assert.deepEqual(parseCommandPayload(pwm, '12.0'), { ok: true, value: 12 });
    for (const [actuator, payload] of [
      [relay, 'on'],
      [relay, ''],
      [pwm, '256'],
      [pwm, '-1'],
      [pwm, '1.5'],
      [pwm, ''],
      [pwm, 'ON'],
    ] as const) {
      const parsed = parseCommandPayload(actuator, payload);
      assert.equal(parsed.ok, false, `${actuator.name} ${payload}`);
      if (!parsed.ok) assert.equal(parsed.code, 'bad_payload');
    }
  });
  it('turns actuator values into states', () => {
    assert.equal(actuatorState(relay, true), 'ON');
    assert.equal(actuatorState(relay, 1), 'ON');
    assert.equal(actuatorState(relay, 0), 'OFF');
    assert.equal(actuatorState(pwm, 128), '128');
  });
});

describe('state coalescing', () => {
  it('publishes the first reading at once, folds those within the interval into one publish of the latest values', () => {
    let now = 1_000;
    const sent: Array<Record<string, number>> = [];
    const coalescer = new StateCoalescer(
      60_000,
      (_id, values) => sent.push(values),
      () => now,
    );
    coalescer.note('d', [{ deviceId: 'd', metric: 'a', ts: 1, value: 1 }]);
    for (let i = 2; i <= 10_000; i++) coalescer.note('d', [{ deviceId: 'd', metric: 'a', ts: i, value: i }]);
    coalescer.note('d', [{ deviceId: 'd', metric: 'b', ts: 5, value: 7 }]);
    coalescer.note('d', [{ deviceId: 'd', metric: 'a', ts: 3, value: -1 }]); // older than the one held
    assert.deepEqual(sent, [{ a: 1 }], 'one publish, the rest held for the interval');
    now += 60_000;
    coalescer.flushAll();
    assert.deepEqual(sent.at(-1), { a: 10_000, b: 7 });
    coalescer.stop();
  });
});
