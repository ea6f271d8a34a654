// Resolved alerts are kept for HUB_ALERT_RETENTION_DAYS: a prune deletes the resolved alerts whose
// last transition is older, keeps the newer ones and never touches an active alert, whatever
// its age. Readings come over MQTT with their own (old) times, so the alerts are old as they
// happen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub, waitFor } from '../../helpers/hub.js';
import { startDevice } from '../../transports/mqtt/mqtt-helpers.js';

const DAY = 86_400_000;

async function alerts(url: string): Promise<any[]> {
  return ((await (await fetch(`${url}/api/alerts`)).json()) as { alerts: any[] }).alerts;
}

test('a prune deletes resolved alerts older than the retention and keeps newer and active ones', async (t) => {
  const hub = await startHub(t, { alertRetentionDays: 2 });
  const device = await startDevice(t, hub, 'boiler-7');
  const now = Date.now();
  device.send({ pressure: 1 }, now - 10 * DAY);
  await device.drained();
  const res = await fetch(`${hub.url}/api/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'low', kind: 'threshold', metric: 'pressure', op: 'below', value: 0.5, durationMs: 1 }),
  });
  assert.equal(res.status, 201);
  // Resolved five days ago, resolved an hour ago, and one firing since a week ago.
  const at = (ms: number, pressure: number) => ({ ts: now - ms, readings: { pressure } });
  device.sendBatch([at(6 * DAY, 0.1), at(5 * DAY, 1), at(2 * 3_600_000, 0.2), at(3_600_000, 1)]);
  await device.drained();
  await waitFor('two resolved alerts', async () => (await alerts(hub.url)).filter((a) => a.state === 'resolved').length === 2);
  const other = await startDevice(t, hub, 'boiler-8');
  other.sendBatch([at(8 * DAY, 0.1), at(7 * DAY, 0.2)]);
  await other.drained();
  await waitFor('the old firing alert', async () => (await alerts(hub.url)).some((a) => a.state === 'firing'));

  assert.equal(await hub.hub.alerts.prune(), 1);
  const kept = await alerts(hub.url);
  assert.deepEqual(kept.map((a) => [a.deviceId, a.state, Math.round((now - a.updatedAt) / 3_600_000)]).sort(), [
    ['boiler-7', 'resolved', 1],
    ['boiler-8', 'firing', 7 * 24],
  ]);
  assert.equal(await hub.hub.alerts.prune(), 0, 'nothing more to delete');
});
