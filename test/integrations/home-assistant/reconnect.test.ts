// The bridge against a broker that goes away: killed and restarted (with a login from a
// mosquitto password file), the bridge reconnects by itself and publishes configs, availability
// and state again; a wrong password leaves the hub running and says so in /api/health; the
// bridge's status goes offline on a clean stop and, through its last will, when the hub dies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson, startHub, waitFor } from '../../helpers/hub.js';
import { startHubProcess } from '../../helpers/hub-process.js';
import { tempDir } from '../../helpers/teardown.js';
import { HomeAssistantSide } from './ha-side.js';
import { startMosquitto } from './mosquitto.js';

const USER = { name: 'hub', password: 'p4ss word' };
const TEMPERATURE = 'homeassistant/sensor/telemetry-hub_sim-001/temperature/config';

test('the bridge logs in, reconnects after the broker is killed and restarted, and publishes everything again', async (t) => {
  const broker = await startMosquitto(t, { user: USER });
  const login = { username: USER.name, password: USER.password };
  const ha = await HomeAssistantSide.connect(t, broker.url, login);
  const { url } = await startHub(t, {
    simulate: 1,
    simulateIntervalMs: 100,
    haMqttUrl: broker.url,
    haMqttUsername: USER.name,
    haMqttPassword: USER.password,
    haStateIntervalMs: 0,
  });
  const config = await ha.config(TEMPERATURE);
  const health = async () => (await getJson(`${url}/api/health`)).body;
  assert.equal((await health()).components.homeAssistant.ok, true);

  await broker.stop();
  const down = await waitFor('the bridge to notice', async () => {
    const body = await health();
    return body.components.homeAssistant.ok === false && body;
  });
  assert.equal(down.status, 'degraded');
  assert.equal(down.components.homeAssistant.connected, false);

  // The restarted broker kept nothing (no persistence): what a new client finds was published again.
  await broker.start();
  const after = await HomeAssistantSide.connect(t, broker.url, login);
  assert.deepEqual(await after.config(TEMPERATURE), config);
  await after.waitForPayload('telemetry-hub/status', 'online');
  await after.waitForPayload('telemetry-hub/sim-001/availability', 'online');
  await after.state('telemetry-hub/sim-001/state', (s) => typeof s.temperature === 'number');
  const back = await waitFor('health ok again', async () => {
    const body = await health();
    return body.components.homeAssistant.ok === true && body;
  });
  assert.ok(back.components.homeAssistant.connects >= 2, JSON.stringify(back.components.homeAssistant));
  assert.equal(back.status, 'ok');
});

test('a refused login leaves the hub running and shows in /api/health', async (t) => {
  const broker = await startMosquitto(t, { user: USER });
  const { url } = await startHub(t, { haMqttUrl: broker.url, haMqttUsername: USER.name, haMqttPassword: 'wrong' });
  const body = await waitFor('the refusal in health', async () => {
    const { body } = await getJson(`${url}/api/health`);
    return /not connected: .+/.test(body.components.homeAssistant.detail ?? '') && body;
  });
  assert.equal(body.components.homeAssistant.ok, false);
  assert.equal(body.status, 'degraded');
  assert.doesNotMatch(JSON.stringify(body), /wrong/, 'no password in the answer');
});

test("the bridge's status goes offline on a clean stop, and by its last will when the hub process dies", async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  const inProcess = await startHub(t, { haMqttUrl: broker.url });
  await ha.waitForPayload('telemetry-hub/status', 'online');
  let mark = ha.messages.length;
  await inProcess.stop();
  await ha.waitForPayload('telemetry-hub/status', 'offline', mark);

  mark = ha.messages.length;
  const hub = await startHubProcess(t, { dataDir: tempDir(t, 'hub-ha-'), env: { HUB_HA_MQTT_URL: broker.url } });
  await ha.waitForPayload('telemetry-hub/status', 'online', mark);
  mark = ha.messages.length;
  await hub.stop('SIGKILL');
  const will = await ha.waitForPayload('telemetry-hub/status', 'offline', mark);
  assert.equal(will.topic, 'telemetry-hub/status');
});
