// Two P1 smart meters on ptys, bridged to a real mosquitto: their energy counters become energy
// sensors in kWh with state class total_increasing, gas and water sensors in m³ (the hub says
// "m3"), so Home Assistant's Energy dashboard can pick them; power, voltage and current are
// measurements. One meter's id holds a ".", which Home Assistant's discovery topics do not allow.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { SerialPort } from 'serialport';
import { topicId } from '../../../src/integrations/home-assistant/topics.js';
import { startHub } from '../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../helpers/pty.js';
import { teardown } from '../../helpers/teardown.js';
import { HomeAssistantSide, haAcceptsTopic } from './ha-side.js';
import { startMosquitto } from './mosquitto.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

async function writeTelegram(t: TestContext, pty: PtyPair, name: string): Promise<void> {
  const port = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
  port.on('error', () => {});
  teardown(t, () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve, reject) =>
    port.write(readFileSync(join(FIXTURES, `${name}.txt`)), (err) => (err ? reject(err) : resolve())),
  );
  await new Promise<void>((resolve) => port.drain(() => resolve()));
}

test('DSMR meters on ptys get energy, gas and water entities Home Assistant can put in its Energy dashboard', async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  const nl = await createPtyPair(t);
  const be = await createPtyPair(t);
  const devicesFile = join(nl.dir, 'devices.yml');
  writeFileSync(
    devicesFile,
    JSON.stringify({
      devices: [
        { id: 'meter.p1', transport: 'dsmr', port: nl.hubPath },
        { id: 'fluvius', transport: 'dsmr', port: be.hubPath },
      ],
    }),
  );
  await startHub(t, { devicesFile, haMqttUrl: broker.url, haStateIntervalMs: 0 });
  await writeTelegram(t, nl, 'v5_example');
  await writeTelegram(t, be, 'be_fluvius_1');

  const node = topicId('meter.p1');
  assert.match(node, /^meter_p1_[0-9a-f]{6}$/);
  const config = (metric: string) => ha.config(`homeassistant/sensor/telemetry-hub_${node}/${metric}/config`);

  for (const metric of ['energy_delivered_tariff1', 'energy_delivered_tariff2', 'energy_returned_tariff1', 'energy_returned_tariff2']) {
    const energy = await config(metric);
    assert.equal(energy.device_class, 'energy', metric);
    assert.equal(energy.unit_of_measurement, 'kWh', metric);
    assert.equal(energy.state_class, 'total_increasing', metric);
    assert.equal(energy.state_topic, `telemetry-hub/${node}/state`);
    assert.equal(energy.value_template, `{{ value_json['${metric}'] | default('') }}`);
    assert.equal(energy.unique_id, `telemetry-hub_${node}_${metric}`);
  }
  const gas = await config('gas');
  assert.equal(gas.device_class, 'gas');
  assert.equal(gas.unit_of_measurement, 'm³');
  assert.equal(gas.state_class, 'total_increasing');
  const power = await config('power_delivered');
  assert.deepEqual([power.device_class, power.unit_of_measurement, power.state_class], ['power', 'kW', 'measurement']);
  const voltage = await config('voltage_l1');
  assert.deepEqual([voltage.device_class, voltage.unit_of_measurement, voltage.state_class], ['voltage', 'V', 'measurement']);
  const current = await config('current_l1');
  assert.deepEqual([current.device_class, current.unit_of_measurement, current.state_class], ['current', 'A', 'measurement']);
  assert.equal(gas.device.model, 'DSMR P1 smart meter');
  assert.deepEqual(gas.device.identifiers, [`telemetry-hub_${node}`]);

  const state = await ha.state(`telemetry-hub/${node}/state`, (s) => 'gas' in s);
  assert.equal(state.energy_delivered_tariff1, 4.426);
  assert.equal(state.energy_delivered_tariff2, 2.399);
  assert.equal(state.power_delivered, 0.244);
  assert.equal(state.gas, 0.107);

  const water = await ha.config('homeassistant/sensor/telemetry-hub_fluvius/water/config');
  assert.deepEqual([water.device_class, water.unit_of_measurement, water.state_class], ['water', 'm³', 'total_increasing']);
  const fluviusGas = await ha.config('homeassistant/sensor/telemetry-hub_fluvius/gas/config');
  assert.equal(fluviusGas.device_class, 'gas');
  const fluvius = await ha.state('telemetry-hub/fluvius/state', (s) => 'water' in s);
  assert.equal(fluvius.water, 872.234);
  assert.equal(fluvius.gas, 112.384);
  assert.equal(fluvius.energy_delivered_tariff2, 15.758);

  const topics = ha.configTopics();
  assert.ok(topics.length >= 30, `${topics.length} configs`);
  for (const topic of topics) assert.ok(haAcceptsTopic(topic), `Home Assistant accepts ${topic}`);
});
