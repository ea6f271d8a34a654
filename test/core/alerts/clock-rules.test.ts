// Absence and presence rules, which the hub's clock judges: a device that stops sending raises
// an absence alert that its next reading resolves; a device that goes offline raises a presence
// alert once it has been away for the rule's duration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub, waitFor } from '../../helpers/hub.js';
import { startDevice } from '../../transports/mqtt/mqtt-helpers.js';

async function makeRule(url: string, body: unknown): Promise<string> {
  const res = await fetch(`${url}/api/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { id: string; message?: string };
  assert.equal(res.status, 201, answer.message);
  return answer.id;
}

async function alertsOf(url: string, ruleId: string): Promise<any[]> {
  const res = await fetch(`${url}/api/alerts`);
  return ((await res.json()) as { alerts: any[] }).alerts.filter((a) => a.ruleId === ruleId);
}

test('an absence rule fires when a metric stops coming and resolves when it comes back', async (t) => {
  const hub = await startHub(t, { alertCheckMs: 50 });
  const device = await startDevice(t, hub, 'meter-1');
  device.send({ power: 100, voltage: 230 });
  await device.drained();
  const ruleId = await makeRule(hub.url, { name: 'no power', kind: 'absence', metric: 'power', durationMs: 400 });
  // voltage alone keeps coming: it is not the metric the rule waits for
  const [firing] = await waitFor(
    'the absence alert firing',
    async () => {
      device.send({ voltage: 231 });
      const list = await alertsOf(hub.url, ruleId);
      return list[0]?.state === 'firing' && list;
    },
    10_000,
    100,
  );
  assert.equal(firing.deviceId, 'meter-1');
  assert.equal(firing.values.metric, 'power');
  assert.ok((firing.values.silentMs as number) >= 400);
  device.send({ power: 120 });
  await device.drained();
  await waitFor('the absence alert resolved', async () => (await alertsOf(hub.url, ruleId))[0]?.state === 'resolved');
  assert.equal((await alertsOf(hub.url, ruleId)).length, 1);
});

test('a presence rule fires for a device offline longer than its duration and resolves when it is back', async (t) => {
  const hub = await startHub(t, { alertCheckMs: 50 });
  const device = await startDevice(t, hub, 'gate-1');
  device.send({ open: 0 });
  await device.drained();
  const ruleId = await makeRule(hub.url, {
    name: 'gate gone',
    kind: 'presence',
    devices: ['gate-1'],
    states: ['offline'],
    durationMs: 300,
  });
  await device.stop();
  await waitFor('gate-1 offline', () => hub.hub.devices.get('gate-1')?.presence === 'offline');
  const [alert] = await waitFor('the presence alert firing', async () => {
    const list = await alertsOf(hub.url, ruleId);
    return list[0]?.state === 'firing' && list;
  });
  assert.deepEqual(
    alert.transitions.map((x: { state: string }) => x.state),
    ['pending', 'firing'],
  );
  await device.start();
  await waitFor('the presence alert resolved', async () => (await alertsOf(hub.url, ruleId))[0]?.state === 'resolved');
});
