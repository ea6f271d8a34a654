// The MQTT dialects of device families (Tasmota, Shelly, Homie, ESPHome): each session is fed
// the real messages its tests use (the fixtures copied next to those tests), the same messages on
// every topic of the device's tree, the payloads mutated byte by byte, JSON of the payloads'
// shape with values of any type, and random bytes. Whatever comes in is decoded into inputs that
// keep the dialects' promises or refused with a code and a detail.
import fc from 'fast-check';
import { esphomeDialect } from '../../../src/transports/mqtt/dialects/esphome/index.js';
import { homieDialect } from '../../../src/transports/mqtt/dialects/homie/index.js';
import { shellyDialect } from '../../../src/transports/mqtt/dialects/shelly/index.js';
import { tasmotaDialect } from '../../../src/transports/mqtt/dialects/tasmota/index.js';
import { fixtureLines } from '../../transports/mqtt/dialects/session-feed.js';
import { anyJson, anyText, numberText } from '../tokens.js';
import { dialectTargets, payloads, topics, type Publish } from './mqtt-dialect.js';

const FIXTURES = new URL('../../transports/mqtt/dialects/', import.meta.url);

/** The {topic, payload} lines of a fixture file copied next to a dialect's tests. */
function fixture(path: string): Publish[] {
  return fixtureLines(path, FIXTURES.href).map(({ topic, payload }) => ({ topic, payload: Buffer.from(payload) }));
}

/** JSON objects shaped like a family's payloads: known keys, nested a few levels, values of any type. */
function shaped(keys: readonly string[]): fc.Arbitrary<Buffer> {
  const { tree } = fc.letrec<{ tree: unknown }>((self) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.double(),
      numberText,
      fc.constantFrom('ON', 'OFF', 'on', 'off', 'true', 'false', 'Online', 'Offline', null, true, false),
      anyJson,
      fc.dictionary(fc.oneof(fc.constantFrom(...keys), anyText(8)), self('tree'), { maxKeys: 5 }),
      fc.array(self('tree'), { maxLength: 4 }),
    ),
  }));
  return tree.map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
}

/** The real messages as they are, their payloads on the device's other topics, and shaped JSON on those topics. */
function family(real: Publish[], ownTopics: readonly string[], keys: readonly string[], others: readonly string[]): fc.Arbitrary<Publish> {
  const plain = fc.oneof(numberText, anyText(12), fc.constantFrom('ON', 'OFF', 'true', 'false', 'ready', 'lost', 'nan', ''));
  const payload = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real.map((p) => p.payload)) },
    { weight: 3, arbitrary: shaped(keys) },
    { weight: 2, arbitrary: plain.map((s) => Buffer.from(s)) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...real) },
    { weight: 5, arbitrary: fc.record({ topic: topics(fc.constantFrom(...ownTopics), others), payload: payloads(payload) }) },
  );
}

const tasmota = family(
  fixture('tasmota/tasmota.jsonl'),
  [
    'tasmota_49A3BC/tele/SENSOR',
    'tele/tasmota_49A3BC/SENSOR',
    'tele/tasmota_49A3BC/STATE',
    'tele/tasmota_49A3BC/LWT',
    'stat/tasmota_49A3BC/RESULT',
    'stat/tasmota_49A3BC/POWER',
    'stat/tasmota_49A3BC/POWER2',
    'tele/tasmota_49A3BC/INFO1',
    'tasmota/discovery/AABBCCDDEEFF/config',
  ],
  [
    'ENERGY',
    'Total',
    'Power',
    'TotalTariff',
    'Time',
    'TempUnit',
    'DS18B20',
    'Temperature',
    'POWER',
    'POWER1',
    'Wifi',
    'RSSI',
    'UptimeSec',
    'Version',
    't',
    'dn',
    'sw',
    'ft',
  ],
  ['cmnd/tasmota_49A3BC/POWER', 'tele/other/SENSOR', 'tasmota_49A3BC'],
);

const shellyLines = fixture('shelly/shelly.jsonl');
const shellyGen2 = family(
  shellyLines.filter((p) => p.topic.startsWith('shellies/plus1pm/')),
  ['shellies/plus1pm/online', 'shellies/plus1pm/status/switch:0', 'shellies/plus1pm/events/rpc', 'telemetry-hub/fz-1/rpc'],
  [
    'id',
    'src',
    'dst',
    'method',
    'params',
    'ts',
    'switch:0',
    'output',
    'apower',
    'voltage',
    'current',
    'aenergy',
    'total',
    'result',
    'error',
    'code',
    'message',
  ],
  ['shellies/plus1pm/rpc', 'shellies/other/online'],
);
const shellyGen1 = family(
  shellyLines.filter((p) => p.topic.startsWith('shellies/shelly1') || p.topic === 'shellies/announce'),
  [
    'shellies/shelly1/online',
    'shellies/shelly1/relay/0',
    'shellies/shelly1/relay/0/power',
    'shellies/shelly1/emeter/0/total',
    'shellies/announce',
  ],
  ['id', 'model', 'mac', 'fw_ver'],
  ['shellies/shelly1/relay/0/command', 'shellies/other/relay/0'],
);

const homie = family(
  fixture('homie/homie.jsonl').filter((p) => p.topic.startsWith('sknSensors/LocationName/')),
  [
    'sknSensors/LocationName/$state',
    'sknSensors/LocationName/$nodes',
    'sknSensors/LocationName/ambient/$properties',
    'sknSensors/LocationName/ambient/temperature/$datatype',
    'sknSensors/LocationName/ambient/temperature/$unit',
    'sknSensors/LocationName/ambient/temperature/$settable',
    'sknSensors/LocationName/ambient/temperature/$format',
    'sknSensors/LocationName/ambient/temperature',
    'sknSensors/LocationName/presence/motion',
    'sknSensors/LocationName/$description',
  ],
  ['homie', 'name', 'nodes', 'properties', 'datatype', 'unit', 'settable', 'format', 'version'],
  ['sknSensors/LocationName/ambient/temperature/set', 'sknSensors/Other/$state'],
);

const esphome = family(
  [
    { topic: 'kitchen/sensor/temperature/state', payload: Buffer.from('21.5') },
    { topic: 'kitchen/status', payload: Buffer.from('online') },
  ],
  [
    'kitchen/status',
    'kitchen/sensor/temperature/state',
    'kitchen/binary_sensor/door/state',
    'kitchen/switch/relay/state',
    'kitchen/debug',
    'homeassistant/sensor/kitchen/temperature/config',
  ],
  ['name', 'unit_of_measurement', 'unit_of_meas', 'stat_t', 'state_topic', 'uniq_id', 'dev', 'sw', 'dev_cla', 'device_class'],
  ['kitchen/switch/relay/command', 'other/sensor/x/state'],
);

export const mqttFamilyTargets = [
  ...dialectTargets({ dialect: tasmotaDialect, deviceId: 'fz-1', topic: 'tasmota_49A3BC', publishes: { messages: tasmota } }),
  ...dialectTargets({ dialect: shellyDialect, deviceId: 'fz-1', topic: 'shellies/plus1pm', publishes: { gen2: shellyGen2 } }),
  ...dialectTargets({ dialect: shellyDialect, deviceId: 'fz-1', topic: 'shellies/shelly1', publishes: { gen1: shellyGen1 } }),
  ...dialectTargets({ dialect: homieDialect, deviceId: 'fz-1', topic: 'sknSensors/LocationName', publishes: { messages: homie } }),
  ...dialectTargets({ dialect: esphomeDialect, deviceId: 'fz-1', topic: 'kitchen', publishes: { messages: esphome } }),
];
