// A hub killed with SIGKILL while an alert fires comes back on the same data directory with the
// alert still firing, publishes it again on its broker for alert readers, and does not send its
// webhook again: the next webhook is the resolution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { DeviceClient } from '../../../src/device-client/client.js';
import { waitFor } from '../../helpers/hub.js';
import { freePort, startHubProcess } from '../../helpers/hub-process.js';
import { teardown, tempDir } from '../../helpers/teardown.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

async function call(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('a firing alert survives SIGKILL and is not announced again', async (t) => {
  const dataDir = tempDir(t, 'alerts-restart-');
  const mqttPort = await freePort();
  const receiver = await startWebhookReceiver(t, { secret: 'k' });
  const first = await startHubProcess(t, { dataDir, mqttPort });
  const { key } = (await call(`${first.url}/api/admin/devices`, 'POST', { id: 'tank-1' })).body as { key: string };
  const device = new DeviceClient({ url: first.mqttUrl, deviceId: 'tank-1', key, reconnectDelayMs: 100 });
  teardown(t, () => device.stop());
  await device.start();
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  device.send({ level: 50 }, t0);
  await device.drained();
  const rule = await call(`${first.url}/api/rules`, 'POST', {
    name: 'tank low',
    kind: 'threshold',
    metric: 'level',
    op: 'below',
    value: 10,
    durationMs: 1000,
    devices: ['tank-1'],
    webhook: { url: receiver.url, secret: 'k' },
  });
  assert.equal(rule.status, 201);
  device.send({ level: 5 }, t0 + 1000);
  device.send({ level: 4 }, t0 + 2000);
  await device.drained();
  await waitFor('the firing webhook', () => receiver.hooks.length === 1);
  const firing = (await call(`${first.url}/api/alerts?state=firing`, 'GET')).body.alerts[0];
  assert.ok(firing, 'the alert fires before the kill');

  await first.stop('SIGKILL');
  const second = await startHubProcess(t, { dataDir, mqttPort });
  const after = (await call(`${second.url}/api/alerts?state=firing`, 'GET')).body.alerts;
  assert.deepEqual(
    after.map((a: { id: string }) => a.id),
    [firing.id],
    'the restarted hub knows the firing alert',
  );

  // The restarted broker holds the firing state again, retained, for alert readers.
  const reader = await mqtt.connectAsync(second.mqttUrl, {
    username: '$token',
    password: 'any, auth is off',
    clientId: 'watch',
    reconnectPeriod: 0,
  });
  teardown(t, () => reader.endAsync(true));
  const retained = new Promise<{ topic: string; payload: string; retain: boolean }>((resolve) =>
    reader.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), retain: packet.retain })),
  );
  await reader.subscribeAsync('hub/alerts/#', { qos: 1 });
  const state = await retained;
  assert.equal(state.topic, `hub/alerts/${rule.body.id}/tank-1`);
  assert.ok(state.retain);
  assert.equal(JSON.parse(state.payload).state, 'firing');

  // Another breach keeps it firing (an update, not a new alert); then the level recovers.
  device.send({ level: 3 }, t0 + 3000);
  await device.drained();
  await waitFor('the alert updated', async () => (await call(`${second.url}/api/alerts/${firing.id}`, 'GET')).body.values.level === 3);
  device.send({ level: 60 }, t0 + 4000);
  await device.drained();
  await waitFor('the resolved webhook', () => receiver.hooks.length >= 2);
  assert.deepEqual(
    receiver.hooks.map((h) => [h.body.state, h.signed]),
    [
      ['firing', true],
      ['resolved', true],
    ],
    'no second firing webhook',
  );
  const all = (await call(`${second.url}/api/alerts`, 'GET')).body.alerts;
  assert.equal(all.length, 1);
  assert.deepEqual(
    all[0].transitions.map((x: { state: string }) => x.state),
    ['pending', 'firing', 'resolved'],
  );
});
