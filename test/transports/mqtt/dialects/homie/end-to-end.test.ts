// Homie devices through the real hub, played by Debian's mosquitto clients: the Homie 3.0.1
// device log of homie.jsonl published retained with the device's credentials, its readings and
// units found over REST, presence following `$state` and the last will (`lost`), a value that is
// not a number refused with the reason while the connection and the other readings survive, and
// the Homie 5 kitchen light of the fixture switched through the hub's command path to `acked`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getJson, startHub, waitFor, type TestHub } from '../../../../helpers/hub.js';
import { killChildren, provisionDialect, runMosquitto, spawnMosquitto } from '../../mqtt-helpers.js';
import type { HubEvents } from '../../../../../src/core/events.js';

after(killChildren);

const FIXTURE: Array<{ topic: string; payload: string }> = readFileSync(new URL('./homie.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

const loginOf = (t: TestHub, id: string, key: string) => ['-h', '127.0.0.1', '-p', String(t.hub.mqtt.port), '-u', id, '-P', key, '-q', '1'];

async function publish(login: string[], clientId: string, topic: string, payload: string): Promise<void> {
  const pub = await runMosquitto('mosquitto_pub', [...login, '-i', clientId, '-r', '-t', topic, '-m', payload]);
  assert.equal(pub.code, 0, pub.stderr);
}

const presenceOf = async (t: TestHub, id: string): Promise<{ presence: string; reason?: string }> => {
  const { status, body } = await getJson(`${t.url}/api/devices/${id}`);
  if (status === 404) return { presence: 'not yet known' };
  return { presence: body.device.presence, reason: body.presenceHistory[0]?.reason };
};

const changesOf = async (t: TestHub, id: string): Promise<string[]> =>
  (await getJson(`${t.url}/api/devices/${id}`)).body.presenceHistory.map(
    (c: { state: string; reason: string }) => `${c.state}: ${c.reason}`,
  );

test('a Homie 3 device’s log: readings with units over REST, presence from $state and its last will, bad values refused', async (tc) => {
  const t = await startHub(tc);
  const base = 'sknSensors/LocationName';
  const login = loginOf(t, 'env-1', await provisionDialect(t, 'env-1', 'homie', base));
  const refusals: Array<HubEvents['refusal']> = [];
  tc.after(t.hub.bus.on('refusal', (r) => refusals.push(r)));

  // The device's own connection: it listens for commands and leaves `lost` as its will, as homie-esp8266 does.
  const device = spawnMosquitto('mosquitto_sub', [
    ...login,
    '-i',
    'env-1',
    '-t',
    `${base}/+/+/set`,
    '--will-topic',
    `${base}/$state`,
    '--will-payload',
    'lost',
    '--will-retain',
    '--will-qos',
    '1',
  ]);
  await waitFor('device connected', async () => (await presenceOf(t, 'env-1')).presence === 'online');

  const from = Date.now() - 1;
  for (const { topic, payload } of FIXTURE.filter((line) => line.topic.startsWith(`${base}/`))) {
    await publish(login, 'env-1-pub', topic, payload);
    // The log starts with the retained `lost` of the device's previous life, then `init`. Each
    // mosquitto_pub is a connection of its own, whose opening may be seen just after its message
    // (presence online again), so `lost` is looked for in the presence history.
    if (topic.endsWith('/$state') && payload === 'lost')
      await waitFor('offline after $state lost', async () => (await changesOf(t, 'env-1')).includes('offline: device reported offline'));
    else if (topic.endsWith('/$state'))
      await waitFor(`online after $state ${payload}`, async () => (await presenceOf(t, 'env-1')).presence === 'online');
  }
  const { body } = await getJson(`${t.url}/api/devices/env-1`);
  assert.equal(body.device.name, 'Environment Monitor');
  assert.equal(body.device.firmware, 'Environment-SHT31-RCWL0516 1.0.3');
  assert.deepEqual(
    [...body.device.metrics].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
    [{ name: 'ambient.humidity', unit: '%rH' }, { name: 'ambient.temperature', unit: '°F' }, { name: 'presence.motion' }],
  );
  const readings = async () =>
    (await getJson(`${t.url}/api/devices/env-1/readings?from=${from}`)).body.readings
      .map((r: { metric: string; value: number }) => `${r.metric}=${r.value}`)
      .sort();
  assert.deepEqual(await readings(), ['ambient.humidity=30.18', 'ambient.temperature=56.98', 'presence.motion=1']);
  assert.deepEqual(
    refusals.map((r) => r.detail),
    [],
    'the whole log is normal Homie traffic',
  );

  // A value the enum does not know is refused with its reason; the next readings are kept.
  await publish(login, 'env-1-pub', `${base}/presence/motion`, 'Maybe');
  await publish(login, 'env-1-pub', `${base}/ambient/temperature`, '57.2');
  await waitFor('temperature 57.2 stored', async () => (await readings()).includes('ambient.temperature=57.2'));
  assert.deepEqual(
    refusals.map((r) => [r.code, r.detail]),
    [['bad_value', 'enum value "Maybe" is not stored: the hub keeps numbers and on/off-like states (metric presence.motion)']],
  );
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /hub_frames_rejected_total\{transport="mqtt",reason="bad_value"\} 1/);
  assert.equal(device.child.exitCode, null, 'the device’s connection is still open');
  assert.equal((await presenceOf(t, 'env-1')).presence, 'online');

  // The device drops off without a DISCONNECT: its will sets $state lost, and it is offline.
  device.child.kill('SIGKILL');
  await waitFor('offline by the last will', async () => (await presenceOf(t, 'env-1')).presence === 'offline');
  assert.match((await presenceOf(t, 'env-1')).reason ?? '', /last will/);
});

test('the Homie 5 kitchen light is switched through the hub: the fixture’s set goes out, its echo acks the command', async (tc) => {
  const t = await startHub(tc);
  const base = 'homie/5/kitchen-light';
  const login = loginOf(t, 'kitchen-1', await provisionDialect(t, 'kitchen-1', 'homie', base));
  const [set, echo] = FIXTURE.filter((line) => line.topic.startsWith(`${base}/`));
  const states: string[] = [];
  tc.after(t.hub.bus.on('command', (c) => c.deviceId === 'kitchen-1' && states.push(c.state)));

  const device = spawnMosquitto('mosquitto_sub', [...login, '-i', 'kitchen-1', '-v', '-C', '1', '-W', '20', '-t', `${base}/+/+/set`]);
  await waitFor('device connected', async () => (await presenceOf(t, 'kitchen-1')).presence === 'online');
  await publish(login, 'kitchen-1-pub', `${base}/$state`, 'ready');
  const command = await t.hub.commands.create({ deviceId: 'kitchen-1', action: 'set', params: { 'light.power': true }, timeoutMs: 10_000 });
  await waitFor('the device received the set', () => device.output().trim() === `${set.topic} ${set.payload}`);
  await waitFor('sent', () => states.includes('sent'));
  assert.deepEqual(states, ['queued', 'sent'], 'not acked before the device answers');

  await publish(login, 'kitchen-1-pub', echo.topic, echo.payload);
  await waitFor('acked', () => states.includes('acked'));
  const stored = await t.hub.store.loadCommands({ deviceId: 'kitchen-1' });
  assert.equal(stored.find((c) => c.id === command.id)?.state, 'acked');
  const readings = (await getJson(`${t.url}/api/devices/kitchen-1/readings?metric=light.power`)).body.readings;
  assert.deepEqual(
    readings.map((r: { value: number }) => r.value),
    [1],
  );
});
