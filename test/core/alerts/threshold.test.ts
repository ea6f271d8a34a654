// Threshold rules end to end: readings come in over MQTT (a real device client on the hub's
// broker), the alert goes pending, fires once its duration has passed in reading time and
// resolves when the value returns; the webhook reaches a real HTTP server signed, and an SSE
// client sees every transition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub, waitFor } from '../../helpers/hub.js';
import { openSse } from '../../live/sse-reader.js';
import { startDevice } from '../../transports/mqtt/mqtt-helpers.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

async function post(url: string, body?: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('a threshold alert fires after its duration in reading time, resolves, and is one alert per rule and device', async (t) => {
  const hub = await startHub(t);
  const receiver = await startWebhookReceiver(t, { secret: 'shh' });
  const device = await startDevice(t, hub, 'freezer-1');
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  device.send({ temp: -20 }, t0);
  await device.drained();
  const rule = await post(`${hub.url}/api/rules`, {
    name: 'freezer warm',
    kind: 'threshold',
    metric: 'temp',
    op: 'above',
    value: -12,
    durationMs: 60_000,
    devices: ['freezer-1'],
    webhook: { url: receiver.url, secret: 'shh' },
  });
  assert.equal(rule.status, 201);
  const sse = await openSse(t, `${hub.url}/api/stream?types=alert`);

  // A backlog: the breach starts at t0+10s and lasts past a minute of reading time, sent at once.
  device.sendBatch([
    { ts: t0 + 10_000, readings: { temp: -5 } },
    { ts: t0 + 40_000, readings: { temp: -4 } },
  ]);
  await device.drained();
  const pending = await waitFor('a pending alert', async () => (await alerts(hub.url, 'pending'))[0]);
  assert.equal(pending.since, t0 + 10_000);
  assert.equal(receiver.hooks.length, 0, 'pending sends no webhook');

  device.send({ temp: -3 }, t0 + 70_000);
  await device.drained();
  const firing = await waitFor('a firing alert', async () => (await alerts(hub.url, 'firing'))[0]);
  assert.equal(firing.id, pending.id, 'the same alert moved on');
  assert.deepEqual(
    firing.transitions.map((x: { state: string; at: number }) => [x.state, x.at]),
    [
      ['pending', t0 + 10_000],
      ['firing', t0 + 70_000],
    ],
  );
  assert.equal(firing.values.temp, -3);

  // A further breach updates the alert; it does not open a second one.
  device.send({ temp: -2 }, t0 + 80_000);
  await device.drained();
  await waitFor('the firing alert updated', async () => (await alerts(hub.url, 'firing'))[0]?.values.temp === -2);

  const hook = await waitFor('the firing webhook', () => receiver.hooks[0]);
  assert.ok(hook.signed, `X-Hub-Signature-256 ${hook.headers['x-hub-signature-256']} is the HMAC of the body`);
  assert.equal(hook.body.state, 'firing');
  assert.equal(hook.body.device, 'freezer-1');
  assert.equal(hook.body.rule.id, rule.body.id);
  assert.equal(hook.body.values.temp, -3);
  assert.equal(hook.body.at, new Date(t0 + 70_000).toISOString());
  assert.equal(hook.body.link, `${hub.url}/api/alerts/${firing.id}`);

  const acked = await post(`${hub.url}/api/alerts/${firing.id}/ack`);
  assert.equal(acked.status, 200);
  assert.equal(acked.body.acknowledged.by, 'auth-off');
  assert.equal(acked.body.state, 'firing');

  device.send({ temp: -18 }, t0 + 90_000);
  await device.drained();
  const resolved = await waitFor('the resolved alert', async () => (await alerts(hub.url, 'resolved'))[0]);
  assert.equal(resolved.id, firing.id);
  assert.equal(resolved.transitions.at(-1).at, t0 + 90_000);
  assert.equal((await alerts(hub.url)).length, 1, 'one alert for the rule and device');
  const resolvedHook = await waitFor('the resolved webhook', () => receiver.hooks[1]);
  assert.equal(resolvedHook.body.state, 'resolved');
  assert.ok(resolvedHook.signed);

  const events = await sse.waitForEvents(4);
  assert.deepEqual(
    events.map((e) => [e.event, JSON.parse(e.data).transition]),
    [
      ['alert', 'pending'],
      ['alert', 'firing'],
      ['alert', 'acknowledged'],
      ['alert', 'resolved'],
    ],
  );
  const delivered = await waitFor('both deliveries stored', async () => {
    const [a] = await alerts(hub.url);
    return a.deliveries.length === 2 && a.deliveries;
  });
  assert.deepEqual(
    delivered.map((d: { state: string; ok: boolean; status: number }) => [d.state, d.ok, d.status]),
    [
      ['firing', true, 204],
      ['resolved', true, 204],
    ],
  );

  // A new breach after the resolution is a new alert.
  device.send({ temp: 0 }, t0 + 100_000);
  await device.drained();
  await waitFor('a second, pending alert', async () => (await alerts(hub.url, 'pending')).length === 1);
  assert.equal((await alerts(hub.url)).length, 2);
});

test('a failing webhook is retried with backoff and every attempt is on the alert', async (t) => {
  const hub = await startHub(t, { alertWebhookRetryMs: 20 });
  const receiver = await startWebhookReceiver(t, { failFirst: 2 });
  const device = await startDevice(t, hub, 'boiler-1');
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  device.send({ pressure: 1 }, t0);
  await device.drained();
  const made = await post(`${hub.url}/api/rules`, {
    name: 'low pressure',
    kind: 'threshold',
    metric: 'pressure',
    op: 'below',
    value: 0.8,
    durationMs: 1000,
    webhook: { url: receiver.url },
  });
  assert.equal(made.status, 201);
  device.send({ pressure: 0.5 }, t0 + 1000);
  device.send({ pressure: 0.4 }, t0 + 2000);
  await device.drained();
  const [alert] = await waitFor('three attempts stored', async () => {
    const list = await alerts(hub.url, 'firing');
    return list[0]?.deliveries.length === 3 && list;
  });
  assert.deepEqual(
    alert.deliveries.map((d: { attempt: number; ok: boolean; status: number }) => [d.attempt, d.ok, d.status]),
    [
      [1, false, 500],
      [2, false, 500],
      [3, true, 204],
    ],
  );
  assert.equal(receiver.hooks.length, 3);
  assert.equal(receiver.hooks[0].headers['x-hub-signature-256'], undefined, 'no secret, no signature');
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  assert.match(metrics, /hub_alert_webhook_attempts_total\{outcome="failed"\} 2\n/);
  assert.match(metrics, /hub_alert_webhook_attempts_total\{outcome="delivered"\} 1\n/);
  assert.match(metrics, /hub_alerts_active\{state="firing"\} 1\n/);
});

async function alerts(url: string, state?: string) {
  const res = await fetch(`${url}/api/alerts${state ? `?state=${state}` : ''}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { alerts: any[] }).alerts;
}
