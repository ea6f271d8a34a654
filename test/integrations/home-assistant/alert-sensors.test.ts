// Alert rules as Home Assistant binary sensors, against Debian's mosquitto as the external broker:
// each device in a rule's scope gets a `problem` sensor on its Home Assistant device, available
// with the bridge, whose state JSON turns the sensor on only while the alert fires; removing the
// rule empties the sensors' retained configs, which removes them from Home Assistant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub } from '../../helpers/hub.js';
import { topicId } from '../../../src/integrations/home-assistant/topics.js';
import { startDevice } from '../../transports/mqtt/mqtt-helpers.js';
import { haAcceptsTopic, HomeAssistantSide } from './ha-side.js';
import { startMosquitto } from './mosquitto.js';

/** What Home Assistant makes of the sensor's value_template: ON only for a firing alert. */
const shown = (payload: string | undefined) => (payload ? (JSON.parse(payload).state === 'firing' ? 'ON' : 'OFF') : undefined);

async function call(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
}

test('each device in a rule scope is a problem binary sensor, on while its alert fires, removed with the rule', async (t) => {
  const broker = await startMosquitto(t);
  const ha = await HomeAssistantSide.connect(t, broker.url);
  const hub = await startHub(t, { haMqttUrl: broker.url, haStateIntervalMs: 0 });
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  const freezers = [await startDevice(t, hub, 'freezer-5'), await startDevice(t, hub, 'freezer.6')];
  for (const freezer of freezers) {
    freezer.send({ temp: -20 }, t0);
    await freezer.drained();
  }
  const rule = await call(`${hub.url}/api/rules`, 'POST', {
    name: 'freezer warm',
    kind: 'threshold',
    metric: 'temp',
    op: 'above',
    value: -12,
    durationMs: 1000,
  });
  assert.equal(rule.status, 201, rule.body.message);
  const ruleId: string = rule.body.id;
  const configTopic = (node: string) => `homeassistant/binary_sensor/telemetry-hub_${node}/alert_${ruleId}/config`;
  const node6 = topicId('freezer.6');

  const config = await ha.config(configTopic('freezer-5'));
  assert.ok(haAcceptsTopic(configTopic('freezer-5')));
  assert.equal(config.device_class, 'problem');
  assert.equal(config.name, 'Alert freezer warm');
  assert.deepEqual(config.device.identifiers, ['telemetry-hub_freezer-5'], "on the freezer's own Home Assistant device");
  assert.equal(config.availability_topic, 'telemetry-hub/status', 'available with the bridge, whatever the device');
  assert.equal(config.state_topic, `telemetry-hub/freezer-5/alert_${ruleId}/state`);
  assert.equal(config.json_attributes_topic, config.state_topic);
  assert.equal(config.unique_id, `telemetry-hub_freezer-5_alert_${ruleId}`);
  const other = await ha.config(configTopic(node6));
  assert.notEqual(other.unique_id, config.unique_id, 'one sensor per device in scope');
  await ha.waitForPayload('telemetry-hub/status', 'online');
  assert.equal(((await ha.state(config.state_topic)) as unknown as { state: string }).state, 'ok');

  freezers[0]!.send({ temp: -5 }, t0 + 1000);
  await freezers[0]!.drained();
  await ha.state(config.state_topic, (s) => (s as unknown as { state: string }).state === 'pending');
  assert.equal(shown(ha.latest(config.state_topic)), 'OFF', 'pending is not a problem yet');
  freezers[0]!.send({ temp: -4 }, t0 + 2000);
  await freezers[0]!.drained();
  const firing = (await ha.state(config.state_topic, (s) => (s as unknown as { state: string }).state === 'firing')) as any;
  assert.equal(shown(ha.latest(config.state_topic)), 'ON');
  assert.equal(firing.since, new Date(t0 + 1000).toISOString());
  assert.equal(firing.values.temp, -4);
  assert.equal(shown(ha.latest(other.state_topic)), 'OFF', 'the other freezer is fine');

  freezers[0]!.send({ temp: -19 }, t0 + 3000);
  await freezers[0]!.drained();
  await ha.state(config.state_topic, (s) => (s as unknown as { state: string }).state === 'resolved');
  assert.equal(shown(ha.latest(config.state_topic)), 'OFF');

  const since = ha.messages.length;
  assert.equal((await call(`${hub.url}/api/rules/${ruleId}`, 'DELETE')).status, 204);
  for (const topic of [configTopic('freezer-5'), configTopic(node6)]) await ha.waitForPayload(topic, '', since);
  await ha.waitForPayload(config.state_topic, '', since);
});
