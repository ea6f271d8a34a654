// What a restarted hub remembers for the rules that look back: a hub SIGKILLed in the middle of
// an hour comes back with its increase rule's window read from the store, so the reading that
// brings the hour's increase over the limit after the restart fires the alert; and an absence
// rule counts a device's silence from its last stored reading, not from the restart.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DeviceClient } from '../../../src/device-client/client.js';
import { waitFor } from '../../helpers/hub.js';
import { freePort, startHubProcess } from '../../helpers/hub-process.js';
import { teardown, tempDir } from '../../helpers/teardown.js';

const MIN = 60_000;

async function call(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function connect(t: TestContext, hub: { url: string; mqttUrl: string }, id: string): Promise<DeviceClient> {
  const { key } = (await call(`${hub.url}/api/admin/devices`, 'POST', { id })).body as { key: string };
  const device = new DeviceClient({ url: hub.mqttUrl, deviceId: id, key, reconnectDelayMs: 100 });
  teardown(t, () => device.stop());
  await device.start();
  return device;
}

test('an increase rule judges the first readings after a SIGKILL with the hour before it read from the store', async (t) => {
  const dataDir = tempDir(t, 'alerts-window-');
  const mqttPort = await freePort();
  const first = await startHubProcess(t, { dataDir, mqttPort });
  const meter = await connect(t, first, 'meter-3');
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  meter.send({ energy: 100 }, t0);
  await meter.drained();
  const rule = await call(`${first.url}/api/rules`, 'POST', {
    name: 'more than 3 kWh in an hour',
    kind: 'increase',
    metric: 'energy',
    op: 'above',
    value: 3,
    windowMs: 60 * MIN,
    durationMs: 1,
  });
  assert.equal(rule.status, 201, rule.body.message);
  for (const [m, v] of [
    [10, 101],
    [20, 102],
    [30, 102.5],
  ])
    meter.send({ energy: v! }, t0 + m! * MIN);
  await meter.drained();
  assert.deepEqual((await call(`${first.url}/api/alerts`, 'GET')).body.alerts, [], '2.5 kWh in the hour: no alert yet');

  await first.stop('SIGKILL');
  const second = await startHubProcess(t, { dataDir, mqttPort });
  meter.send({ energy: 103.5 }, t0 + 40 * MIN);
  meter.send({ energy: 104 }, t0 + 50 * MIN);
  await meter.drained();
  const [alert] = await waitFor('the firing alert', async () => {
    const list = (await call(`${second.url}/api/alerts?state=firing`, 'GET')).body.alerts;
    return list.length > 0 && list;
  });
  assert.equal(alert.ruleId, rule.body.id);
  assert.deepEqual(
    alert.transitions.map((x: { state: string; at: number; values: { increase: number } }) => [
      x.state,
      (x.at - t0) / MIN,
      x.values.increase,
    ]),
    [
      ['pending', 40, 3.5],
      ['firing', 50, 4],
    ],
  );
});

test('after a restart an absence rule counts the silence from the last stored reading', async (t) => {
  const dataDir = tempDir(t, 'alerts-absence-');
  const first = await startHubProcess(t, { dataDir });
  const device = await connect(t, first, 'pump-1');
  const lastTs = Date.now() - 60_000;
  device.send({ flow: 3 }, lastTs);
  await device.drained();
  await device.stop();
  // The running hub heard the reading just now: thirty seconds of silence are far off.
  const rule = await call(`${first.url}/api/rules`, 'POST', { name: 'no flow', kind: 'absence', metric: 'flow', durationMs: 30_000 });
  assert.equal(rule.status, 201, rule.body.message);
  assert.deepEqual((await call(`${first.url}/api/alerts`, 'GET')).body.alerts, []);

  await first.stop('SIGKILL');
  const second = await startHubProcess(t, { dataDir, args: ['--alert-check-ms', '50'] });
  const [alert] = await waitFor('the absence alert firing', async () => {
    const list = (await call(`${second.url}/api/alerts?state=firing`, 'GET')).body.alerts;
    return list.length > 0 && list;
  });
  assert.equal(alert.deviceId, 'pump-1');
  assert.equal(alert.since, lastTs, 'silent since the stored reading');
  assert.ok(alert.values.silentMs >= 60_000);
});
