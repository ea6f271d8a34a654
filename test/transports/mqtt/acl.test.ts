// Auth, ACL and bad input over real MQTT connections (mqtt.js): a wrong key or no key is
// refused, a device cannot publish as another or read another's commands, and every kind of
// bad message is refused with a reason on the sender's error topic, counted, while its
// connection and the other devices keep working.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { collect, provision, rawClient, startDevice } from './mqtt-helpers.js';
import type { DeviceClient } from '../../../src/device-client/client.js';
import type { PresenceChange } from '../../../src/core/model.js';

let t: TestHub;
let alice: MqttClient;
let aliceKey = '';
let aliceSeen: Map<string, string[]>;
let bob: DeviceClient;
const bobCommands: string[] = [];

before(async () => {
  t = await startHub({ mqttMaxPayload: 1024 });
  aliceKey = await provision(t, 'alice');
  alice = await rawClient(t, { clientId: 'alice', username: 'alice', password: aliceKey });
  aliceSeen = collect(alice);
  await alice.subscribeAsync(['devices/alice/ack', 'devices/alice/error'], { qos: 1 });
  bob = await startDevice(t, 'bob', {
    onCommand: (cmd) => {
      bobCommands.push(cmd.id);
      return { ok: true };
    },
  });
});
after(async () => {
  await alice?.endAsync();
  await bob?.stop();
  await t.stop();
});

function errorsOf(seen: Map<string, string[]>): Array<{ reason: string; topic?: string }> {
  return (seen.get('devices/alice/error') ?? []).map((p) => JSON.parse(p));
}

test('a wrong key, an unknown device and a login without credentials are refused', async () => {
  await assert.rejects(
    rawClient(t, { clientId: 'x1', username: 'bob', password: 'not-the-key' }),
    (err: Error & { code?: number }) => err.code === 4,
  );
  await assert.rejects(
    rawClient(t, { clientId: 'x2', username: 'nobody', password: 'whatever' }),
    (err: Error & { code?: number }) => err.code === 4,
  );
  await assert.rejects(rawClient(t, { clientId: 'bob' }), (err: Error & { code?: number }) => err.code === 5);
  assert.equal(t.hub.metrics.framesRefused.get({ transport: 'mqtt', reason: 'connection_refused' }), 3);
  assert.equal(bob.connected, true, 'the real bob is not disturbed');
});

test('a device cannot publish as another: refused with a reason, nothing stored, its connection survives', async () => {
  const ts = Date.now() - 5_000;
  await alice.publishAsync('devices/bob/telemetry', JSON.stringify({ seq: 0, ts, readings: { forged: 1 } }), { qos: 1 });
  await alice.publishAsync('devices/bob/status', 'offline', { qos: 1, retain: true });
  await waitFor('two refusals', () => errorsOf(aliceSeen).length >= 2);
  assert.match(errorsOf(aliceSeen)[0].reason, /alice may publish only under devices\/alice\//);
  assert.equal(errorsOf(aliceSeen)[0].topic, 'devices/bob/telemetry');
  const readings = (await getJson(`${t.url}/api/devices/bob/readings?from=${ts - 1}`)).body.readings;
  assert.deepEqual(readings, []);
  assert.equal(t.hub.devices.get('bob')?.presence, 'online', 'a forged status does not move bob');
  // Alice still works.
  await alice.publishAsync('devices/alice/telemetry', JSON.stringify({ seq: 0, readings: { ok: 1 } }), { qos: 1 });
  await waitFor('alice acked', () => aliceSeen.get('devices/alice/ack')?.includes('{"h":0}'));
});

test("a device cannot subscribe to another device's commands and never receives them", async () => {
  const refusedBefore = errorsOf(aliceSeen).filter((e) => /subscription refused/.test(e.reason)).length;
  // mqtt.js reports an all-refused SUBACK as an error that carries the granted list.
  const granted = await new Promise<number[]>((resolve) =>
    alice.subscribe(['devices/bob/cmd', 'devices/+/cmd', '#'], { qos: 1 }, (err, grants) => {
      const suback = (err as (Error & { packet?: { granted: number[] } }) | null)?.packet?.granted;
      resolve(suback ?? (grants ?? []).map((g) => g.qos));
    }),
  );
  assert.deepEqual(granted, [128, 128, 128]);
  await waitFor(
    'three subscription refusals',
    () => errorsOf(aliceSeen).filter((e) => /subscription refused/.test(e.reason)).length === refusedBefore + 3,
  );
  const cmd = await t.hub.commands.create({ deviceId: 'bob', action: 'set', params: { relay: true }, timeoutMs: 10_000 });
  await waitFor('bob got his command', () => bobCommands.includes(cmd.id));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(aliceSeen.get('devices/bob/cmd'), undefined);
  assert.ok(alice.connected);
});

test('bad input is refused with a reason and counted; the connection and other devices keep working', async () => {
  const before = errorsOf(aliceSeen).length;
  const bad: Array<[string, string | Buffer, RegExp]> = [
    ['devices/alice/telemetry', '{"seq": 1, "readings": {', /malformed JSON/],
    ['devices/alice/telemetry', '{"seq": "one", "readings": {"x": 1}}', /seq must be/],
    ['devices/alice/telemetry', '{"seq": 2, "readings": [1, 2]}', /readings must be an object/],
    ['devices/alice/telemetry', '{"seq": 3, "ts": "yesterday", "readings": {"x": 1}}', /ts must be/],
    ['devices/alice/telemetry', JSON.stringify({ seq: 4, readings: { pad: 1 }, junk: 'x'.repeat(2000) }), /payload too large/],
    ['devices/alice/meta', '{"metrics": [{"name": "9bad"}]}', /metric name must start/],
    ['devices/alice/status', 'sleepy', /status must be/],
    ['devices/alice/cmd/ack', '{"ok": true}', /id must be/],
    ['devices/alice/ack', '{"h": 99}', /published by the hub/],
    ['devices/alice/firmware', 'x', /unknown topic/],
    ['elsewhere/alice', 'x', /outside scheme/],
  ];
  for (const [topic, payload] of bad) await alice.publishAsync(topic, payload, { qos: 1 });
  const errors = await waitFor(
    'all refusals',
    () => errorsOf(aliceSeen).length >= before + bad.length && errorsOf(aliceSeen).slice(before),
  );
  for (const [i, [topic, , reason]] of bad.entries()) assert.match(errors[i].reason, reason, `${topic} → ${errors[i].reason}`);

  // A message with one non-number value keeps its good readings.
  const ts = Date.now() - 1_000;
  // seq 1: the refused messages above never entered the stream, so 1 is the next one it takes.
  await alice.publishAsync('devices/alice/telemetry', JSON.stringify({ seq: 1, ts, readings: { good: 7, text: 'seven' } }), { qos: 1 });
  await waitFor('refusal of the text value', () => errorsOf(aliceSeen).some((e) => /value must be a number.*metric text/.test(e.reason)));
  await waitFor('alice acked seq 1', () => aliceSeen.get('devices/alice/ack')?.includes('{"h":1}'));
  const stored = (await getJson(`${t.url}/api/devices/alice/readings?from=${ts}&to=${ts + 1}`)).body.readings;
  assert.deepEqual(
    stored.map((r: { metric: string; value: number }) => [r.metric, r.value]),
    [['good', 7]],
  );

  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /hub_frames_rejected_total\{transport="mqtt",reason="malformed"\} 4/);
  assert.match(metrics, /hub_frames_rejected_total\{transport="mqtt",reason="too_large"\} 1/);
  assert.equal(t.hub.devices.get('alice')?.presence, 'online');
  assert.ok(alice.connected, 'alice is still connected');
  bob.send({ unaffected: 1 });
  await bob.drained();
});

test('a packet far beyond the payload limit closes that connection before it is buffered; everyone else carries on', async (ctx) => {
  const key = await provision(t, 'mallory');
  const mallory = await rawClient(ctx, t, { clientId: 'mallory', username: 'mallory', password: key });
  const closed = new Promise<void>((resolve) => mallory.once('close', () => resolve()));
  mallory.publish('devices/mallory/telemetry', Buffer.alloc(200_000, 0x20), { qos: 1 });
  await closed;
  mallory.end(true);
  await waitFor('counted', () => t.hub.metrics.framesRefused.get({ transport: 'mqtt', reason: 'too_large' }) >= 1);
  assert.ok(alice.connected, 'alice is untouched');
  bob.send({ after: 1 });
  await bob.drained();
  const health = (await getJson(`${t.url}/api/health`)).body;
  assert.equal(health.components.broker.ok, true);
});

test('a device cannot log another off by taking its client id; its own client ids it may take over', async (ctx) => {
  const bobChanges: string[] = [];
  const off = t.hub.bus.on('presence', (c: PresenceChange) => c.deviceId === 'bob' && bobChanges.push(c.state));
  teardown(ctx, off);
  const refusedBefore = t.hub.metrics.framesRefused.get({ transport: 'mqtt', reason: 'connection_refused' });
  const bobShell = await rawClient(ctx, t, { clientId: 'bob-shell', username: 'bob', password: bob.options.key });
  await provision(t, 'carol'); // provisioned, never connected
  // The id of another device (connected or not), and the client id of another device's open connection.
  for (const clientId of ['bob', 'carol', 'bob-shell']) {
    await assert.rejects(
      rawClient(t, { clientId, username: 'alice', password: aliceKey }),
      (err: Error & { code?: number }) => err.code === 2,
      clientId,
    );
  }
  assert.equal(t.hub.metrics.framesRefused.get({ transport: 'mqtt', reason: 'connection_refused' }), refusedBefore + 3);
  // A device reconnecting under its own client id takes its old connection over, as MQTT says.
  const first = await rawClient(t, { clientId: 'alice-2', username: 'alice', password: aliceKey });
  const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
  const second = await rawClient(t, { clientId: 'alice-2', username: 'alice', password: aliceKey });
  await firstClosed;
  first.end(true);
  assert.ok(second.connected);
  await second.endAsync();
  assert.ok(bob.connected && bobShell.connected, "both of bob's connections are still open");
  bob.send({ still: 1 });
  await bob.drained();
  assert.deepEqual(bobChanges, [], 'bob never went offline');
});
