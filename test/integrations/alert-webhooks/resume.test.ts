// A webhook delivery still retrying when the hub dies is resumed by the next start, from the
// attempts stored on the alert, and one that already succeeded is not sent again: two rules fire
// on a hub process, one receiver answers, the other fails its first request; the hub is SIGKILLed
// while that delivery waits for its retry and started again on the same data directory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  return { status: res.status, body: (await res.json()) as any };
}

test('a delivery retrying at a SIGKILL is resumed at the next start; a delivered one is not sent again', async (t) => {
  const dataDir = tempDir(t, 'alerts-resume-');
  const mqttPort = await freePort();
  const answering = await startWebhookReceiver(t, { secret: 'a' });
  const failingOnce = await startWebhookReceiver(t, { secret: 'b', failFirst: 1 });
  // The first retry would come ten minutes later: the hub is killed long before.
  const first = await startHubProcess(t, { dataDir, mqttPort, args: ['--alert-webhook-retry-ms', '600000'] });
  const { key } = (await call(`${first.url}/api/admin/devices`, 'POST', { id: 'cellar-1' })).body as { key: string };
  const device = new DeviceClient({ url: first.mqttUrl, deviceId: 'cellar-1', key, reconnectDelayMs: 100 });
  teardown(t, () => device.stop());
  await device.start();
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  device.send({ humidity: 50 }, t0);
  await device.drained();
  const rule = { kind: 'threshold', metric: 'humidity', op: 'above', value: 80, durationMs: 1000 };
  const delivered = await call(`${first.url}/api/rules`, 'POST', { name: 'damp', ...rule, webhook: { url: answering.url, secret: 'a' } });
  const retried = await call(`${first.url}/api/rules`, 'POST', {
    name: 'damp too',
    ...rule,
    webhook: { url: failingOnce.url, secret: 'b' },
  });
  assert.equal(delivered.status, 201);
  assert.equal(retried.status, 201);
  device.send({ humidity: 90 }, t0 + 1000);
  device.send({ humidity: 91 }, t0 + 2000);
  await device.drained();
  const alertOf = async (url: string, ruleId: string) =>
    (await call(`${url}/api/alerts`, 'GET')).body.alerts.find((a: { ruleId: string }) => a.ruleId === ruleId);
  await waitFor('one delivery stored per alert', async () => {
    const [a, b] = [await alertOf(first.url, delivered.body.id), await alertOf(first.url, retried.body.id)];
    return a?.deliveries.length === 1 && b?.deliveries.length === 1;
  });
  assert.deepEqual([answering.hooks.length, failingOnce.hooks.map((h) => h.answered)], [1, [500]]);

  await first.stop('SIGKILL');
  const second = await startHubProcess(t, { dataDir, mqttPort, args: ['--alert-webhook-retry-ms', '50'] });
  const resumed = await waitFor('the resumed delivery stored', async () => {
    const b = await alertOf(second.url, retried.body.id);
    return b?.deliveries.length === 2 && b;
  });
  assert.deepEqual(
    resumed.deliveries.map((d: { state: string; attempt: number; ok: boolean }) => [d.state, d.attempt, d.ok]),
    [
      ['firing', 1, false],
      ['firing', 2, true],
    ],
  );
  const hook = failingOnce.hooks[1]!;
  assert.ok(hook.signed);
  assert.equal(hook.body.state, 'firing');
  assert.equal(hook.body.at, new Date(t0 + 2000).toISOString(), 'the transition as it was stored');
  assert.equal(hook.body.values.humidity, 91);
  const { link, ...rest } = hook.body;
  const { link: firstLink, ...firstRest } = failingOnce.hooks[0]!.body;
  assert.deepEqual(rest, firstRest, 'the same notification as the failed attempt');
  assert.equal(link, `${second.url}/api/alerts/${resumed.id}`, 'the link points at the running hub');
  assert.equal(firstLink, `${first.url}/api/alerts/${resumed.id}`);
  assert.equal(answering.hooks.length, 1, 'the delivered firing is not sent again');
  assert.equal((await alertOf(second.url, delivered.body.id)).deliveries.length, 1);
});
