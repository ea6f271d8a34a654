// The Arduino of the README on a pty: the compiled serial-telemetry firmware in avr8js (the chip is
// the only simulated part), its UART behind a socat pty the hub opens as a line device, bridged to
// a real mosquitto. Home Assistant (an mqtt.js client in its place) finds its light and
// temperature sensors and its relay switch; ON published with mosquitto_pub on the relay's command
// topic drives the board's relay pin high, and the switch follows the board's own relay reading.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { PinState } from '../../helpers/avr.js';
import { waitFor } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { startFirmwareRig } from '../../transports/serial/line/firmware-rig.js';
import { WireMonitor } from '../../transports/serial/line/wire-monitor.js';
import { HomeAssistantSide } from './ha-side.js';
import { startMosquitto } from './mosquitto.js';

const RELAY_PIN = 7;

test('an Arduino Uno running the serial-telemetry firmware on a pty appears in Home Assistant and its relay is switched from there', async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  const rig = await startFirmwareRig({ wire: new WireMonitor(), intervalMs: 500, hub: { haMqttUrl: broker.url, haStateIntervalMs: 0 } });
  teardown(t, () => rig.stop());

  const node = 'telemetry-hub_uno-1';
  const light = await ha.config(`homeassistant/sensor/${node}/light/config`);
  assert.equal(light.device.sw_version?.startsWith('serial-telemetry'), true);
  assert.equal(light.state_class, 'measurement');
  const temperature = await ha.config(`homeassistant/sensor/${node}/temperature/config`);
  assert.deepEqual([temperature.device_class, temperature.unit_of_measurement], ['temperature', '°C']);
  const relay = await ha.config(`homeassistant/switch/${node}/relay/config`);
  assert.equal(relay.command_topic, 'telemetry-hub/uno-1/relay/set');
  // TMP36 at 750 mV is 25 °C: the firmware's own conversion, carried to Home Assistant's state.
  await ha.state('telemetry-hub/uno-1/state', (s) => Math.abs(s.temperature - 25) < 1);

  assert.equal(rig.sim.pinState(RELAY_PIN), PinState.Low);
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', relay.command_topic, '-m', 'ON']);
  await waitFor('the relay pin high', () => rig.sim.pinState(RELAY_PIN) === PinState.High);
  await ha.waitForPayload(relay.state_topic, 'ON');
});
