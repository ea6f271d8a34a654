// Alert transitions on the hub's own broker, with API auth on: a client that logs in with a
// viewer token reads `hub/alerts/<rule>/<device>` (mqtt.js, and mosquitto_sub for the retained
// state of a firing alert), a resolution clears the retained state, and the broker refuses what a
// token login or a device may not do. Revoking the token closes the reader.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { killChildren, rawClient, runMosquitto, startDevice } from '../../transports/mqtt/mqtt-helpers.js';

after(killChildren);

async function makeRule(hub: TestHub, token: string, body: unknown): Promise<string> {
  const res = await fetch(`${hub.url}/api/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { id: string; message?: string };
  assert.equal(res.status, 201, answer.message);
  return answer.id;
}

/** The SUBACK's grants (mqtt.js reports an all-refused SUBACK as an error carrying them). */
function granted(client: MqttClient, topics: string[]): Promise<number[]> {
  return new Promise((resolve, reject) =>
    client.subscribe(topics, { qos: 1 }, (err, grants) => {
      const suback = (err as (Error & { packet?: { granted: number[] } }) | null)?.packet?.granted;
      if (err && !suback) reject(err);
      else resolve(suback ?? (grants ?? []).map((g) => g.qos));
    }),
  );
}

function messages(client: MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
  const seen: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return seen;
}

test('alert transitions reach a token holder on hub/alerts/<rule>/<device>, the active state retained', async (t) => {
  const hub = await startHub(t, { auth: 'on' });
  const operator = (await hub.hub.tokens.add('operator')).token;
  const viewer = await hub.hub.tokens.add('viewer');
  const device = await startDevice(t, hub, 'freezer-9');
  const t0 = Date.parse('2026-06-01T12:00:00Z');
  device.send({ temp: -20 }, t0);
  await device.drained();
  const ruleId = await makeRule(hub, operator, {
    name: 'freezer warm',
    kind: 'threshold',
    metric: 'temp',
    op: 'above',
    value: -12,
    durationMs: 1000,
  });
  const topic = `hub/alerts/${ruleId}/freezer-9`;

  const reader = await rawClient(t, hub, { username: '$token', password: viewer.token, clientId: 'alert-watch-1' });
  const seen = messages(reader);
  assert.deepEqual(await granted(reader, ['hub/alerts/#', 'devices/#']), [1, 128], 'a token login reads the alert topics and nothing else');

  device.send({ temp: -5 }, t0 + 1000);
  device.send({ temp: -4 }, t0 + 2000);
  await device.drained();
  await waitFor('pending and firing', () => seen.length >= 2);
  const [pending, firing] = seen.map((m) => ({ ...m, body: JSON.parse(m.payload) }));
  assert.equal(pending!.topic, topic);
  assert.equal(pending!.body.state, 'pending');
  assert.equal(firing!.body.state, 'firing');
  assert.equal(firing!.body.device, 'freezer-9');
  assert.equal(firing!.body.rule.id, ruleId);
  assert.equal(firing!.body.values.temp, -4);
  assert.equal(firing!.body.since, new Date(t0 + 1000).toISOString());
  assert.match(firing!.body.link, new RegExp(`/api/alerts/${firing!.body.link.split('/').at(-1)}$`));

  // A client that comes later (mosquitto's own) gets the firing state at once, retained.
  const late = await runMosquitto('mosquitto_sub', [
    ...['-h', '127.0.0.1', '-p', String(hub.hub.mqtt.port), '-u', '$token', '-P', viewer.token, '-i', 'late-reader'],
    ...['-t', 'hub/alerts/#', '-v', '--retained-only', '-C', '1', '-W', '10'],
  ]);
  assert.equal(late.code, 0, late.stderr);
  assert.equal(late.stdout.slice(0, topic.length), topic);
  assert.equal(JSON.parse(late.stdout.slice(topic.length + 1)).state, 'firing');

  device.send({ temp: -18 }, t0 + 3000);
  await device.drained();
  await waitFor('the resolution and the cleared retained state', () => seen.length >= 4);
  assert.equal(JSON.parse(seen[2]!.payload).state, 'resolved');
  assert.equal(seen[2]!.retain, false, 'a resolution is not retained');
  assert.deepEqual([seen[3]!.topic, seen[3]!.payload], [topic, ''], 'then the retained state is cleared');

  // A new subscriber now hears no stale firing: its first message is the next alert's pending.
  const fresh = await rawClient(t, hub, { username: '$token', password: viewer.token, clientId: 'alert-watch-2' });
  const freshSeen = messages(fresh);
  await fresh.subscribeAsync('hub/alerts/+/freezer-9', { qos: 1 });
  device.send({ temp: 0 }, t0 + 4000);
  await device.drained();
  await waitFor('the next pending', () => freshSeen.length >= 1);
  assert.equal(JSON.parse(freshSeen[0]!.payload).state, 'pending');

  // Revoking the token closes its readers.
  const closed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  await hub.hub.tokens.revoke(viewer.tokenId);
  await closed;
});

test('the broker refuses a bad token, a device id as a reader, a reader that publishes and a device reading alerts', async (t) => {
  const hub = await startHub(t, { auth: 'on' });
  const viewer = (await hub.hub.tokens.add('viewer')).token;
  await assert.rejects(
    rawClient(t, hub, { username: '$token', password: 'not-a-token-at-all', clientId: 'r1' }),
    /Bad username or password/,
  );

  const device = await startDevice(t, hub, 'pump-9');
  await assert.rejects(
    rawClient(t, hub, { username: '$token', password: viewer, clientId: 'pump-9' }),
    /Identifier rejected/,
    'a reader cannot take over a device session',
  );

  const reader = await rawClient(t, hub, { username: '$token', password: viewer, clientId: 'r2' });
  const closed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  reader.publish('devices/pump-9/telemetry', '{"v":1}', { qos: 1 });
  await closed;

  const key = (await hub.hub.credentials.provision('pump-10')).key;
  const other = await rawClient(t, hub, { username: 'pump-10', password: key, clientId: 'pump-10' });
  assert.deepEqual(await granted(other, ['hub/alerts/#']), [128], 'a device key does not read alerts');
  await device.stop();
});
