// Increase and rate rules end to end: a meter's energy counter comes in over MQTT (a real device
// client on the hub's broker) as one backlog, and the rule "more than 3 kWh in an hour" is judged
// at every reading's own time over the hour before it, a drop counted as a meter reset. The
// webhook reaches a real HTTP server; bad rules are refused with their codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub, waitFor } from '../../helpers/hub.js';
import { startDevice } from '../../transports/mqtt/mqtt-helpers.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

async function alertsOf(url: string, ruleId: string): Promise<any[]> {
  const res = await fetch(`${url}/api/alerts`);
  return ((await res.json()) as { alerts: any[] }).alerts.filter((a) => a.ruleId === ruleId);
}

test('more than 3 kWh in an hour: an increase rule and a rate rule fire and resolve at reading time, across a meter reset', async (t) => {
  const hub = await startHub(t);
  const receiver = await startWebhookReceiver(t, { secret: 's' });
  const meter = await startDevice(t, hub, 'meter-1');
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  meter.send({ energy: 100 }, t0 - 2 * HOUR);
  await meter.drained();
  const rule = {
    metric: 'energy',
    op: 'above',
    windowMs: HOUR,
    durationMs: 10 * MIN,
    devices: ['meter-1'],
    webhook: { url: receiver.url, secret: 's' },
  };
  const increase = await post(`${hub.url}/api/rules`, { name: 'more than 3 kWh in an hour', kind: 'increase', value: 3, ...rule });
  assert.equal(increase.status, 201, increase.body.message);
  assert.equal(increase.body.windowMs, HOUR);
  const rate = await post(`${hub.url}/api/rules`, { name: 'over 3 kWh/h', kind: 'rate', value: 3 / 3600, ...rule });
  assert.equal(rate.status, 201, rate.body.message);

  // One backlog, every ten minutes of meter time. Increase over the hour ending at each reading:
  // 1, 2, 2.5, 3.5 (pending), 4 (firing: 10 min on), reset to 0.2 at +60 (rises 1+1+.5+1+.5+.2 =
  // 4.2), then at +100 only the rises after +40 are in the hour: .5 + .2 + .1 = 0.8 (resolved).
  meter.sendBatch(
    [
      [10, 101],
      [20, 102],
      [30, 102.5],
      [40, 103.5],
      [50, 104],
      [60, 0.2],
      [100, 0.3],
    ].map(([m, v]) => ({ ts: t0 + m! * MIN, readings: { energy: v! } })),
  );
  await meter.drained();
  for (const made of [increase, rate]) {
    const [alert] = await waitFor(`the ${made.body.kind} alert resolved`, async () => {
      const list = await alertsOf(hub.url, made.body.id);
      return list[0]?.state === 'resolved' && list;
    });
    assert.deepEqual(
      alert.transitions.map((x: { state: string; at: number }) => [x.state, (x.at - t0) / MIN]),
      [
        ['pending', 40],
        ['firing', 50],
        ['resolved', 100],
      ],
      `${made.body.kind}: judged at the readings' times`,
    );
    const figure = (x: { values: Record<string, number> }) => x.values[made.body.kind]! * (made.body.kind === 'rate' ? 3600 : 1);
    assert.deepEqual(
      alert.transitions.map((x: { values: Record<string, number> }) => Math.round(figure(x) * 1000) / 1000),
      [3.5, 4, 0.8],
    );
    assert.equal(alert.values.windowMs, HOUR);
  }
  assert.equal((await alertsOf(hub.url, increase.body.id)).length, 1, 'the reset inside the hour kept one alert firing');

  const hooks = await waitFor('four webhooks', () => receiver.hooks.length === 4 && receiver.hooks);
  const firing = hooks.find((h) => h.body.rule.kind === 'increase' && h.body.state === 'firing')!;
  assert.ok(firing.signed);
  assert.equal(firing.body.values.increase, 4);
  assert.equal(firing.body.at, new Date(t0 + 50 * MIN).toISOString());
  assert.deepEqual(hooks.map((h) => h.body.state).sort(), ['firing', 'firing', 'resolved', 'resolved']);
});

test('an increase or rate rule without a usable window, or not judging a number, is refused with its code', async (t) => {
  const hub = await startHub(t);
  const meter = await startDevice(t, hub, 'meter-2');
  meter.send({ energy: 1 });
  await meter.drained();
  const base = { name: 'r', kind: 'increase', metric: 'energy', op: 'above', value: 3, windowMs: HOUR, durationMs: 1000 };
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['no windowMs', { windowMs: undefined }, 'bad_window'],
    ['windowMs 0', { windowMs: 0 }, 'bad_window'],
    ['a negative windowMs', { kind: 'rate', windowMs: -5 }, 'bad_window'],
    ['a window longer than a week', { windowMs: 7 * 24 * HOUR + 1 }, 'bad_window'],
    ['windowMs on a threshold rule', { kind: 'threshold' }, 'bad_rule'],
    ['no value', { value: undefined }, 'bad_rule'],
    ['no metric', { metric: undefined }, 'bad_rule'],
    ['a metric no device has', { metric: 'gas' }, 'unknown_metric'],
    ['a metric that is not a name', { metric: { name: 'energy' } }, 'bad_request'],
    ['a value that is not a number', { value: 'three' }, 'bad_request'],
    ['windowMs that is not a number', { windowMs: '1h' }, 'bad_request'],
    ['an unknown kind', { kind: 'delta' }, 'bad_request'],
    ['no duration', { durationMs: 0 }, 'bad_duration'],
  ];
  for (const [what, change, code] of refusals) {
    const answer = await post(`${hub.url}/api/rules`, { ...base, ...change });
    assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error, code, `${what}: ${answer.body.message}`);
  }
  assert.deepEqual((await (await fetch(`${hub.url}/api/rules`)).json()).rules, [], 'no refused rule was kept');
  const kept = await post(`${hub.url}/api/rules`, base);
  assert.equal(kept.status, 201, kept.body.message);
});
