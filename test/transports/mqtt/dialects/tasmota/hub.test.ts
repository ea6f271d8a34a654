// A Tasmota device through the real hub: Debian's mosquitto_pub publishes the Home Assistant
// fixtures (tasmota.jsonl) and documented STATE, LWT and RESULT messages with the device's
// credentials, mosquitto_sub plays the device receiving its POWER command, and the readings,
// units, relay, presence and command states are read back over REST and the bus. The device here
// uses FullTopic %topic%/%prefix%/, as the device of the fixtures does.
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command, PresenceChange } from '../../../../../src/core/model.js';
import type { HubEvents } from '../../../../../src/core/events.js';
import { getJson, startHub, waitFor, type TestHub } from '../../../../helpers/hub.js';
import { teardown } from '../../../../helpers/teardown.js';
import { killChildren, provisionDialect, rawClient, runMosquitto, spawnMosquitto } from '../../mqtt-helpers.js';

const ID = 'plug-1';
const TOPIC = 'tasmota_49A3BC';
const fixtures = readFileSync(new URL('./tasmota.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { topic: string; payload: string; source_asserts: Record<string, { state: string }> });

let t: TestHub;
let key: string;
let login: (clientId: string) => string[];

before(async () => {
  t = await startHub();
  key = await provisionDialect(t, ID, 'tasmota', TOPIC);
  login = (clientId) => ['-h', '127.0.0.1', '-p', String(t.hub.mqtt.port), '-u', ID, '-P', key, '-i', clientId, '-q', '1'];
});
after(async () => {
  killChildren();
  await t.stop();
});

async function publish(topic: string, message: string): Promise<void> {
  const pub = await runMosquitto('mosquitto_pub', [...login('DVES_49A3BC_pub'), '-t', topic, '-m', message]);
  assert.equal(pub.code, 0, pub.stderr);
}

type Row = { metric: string; value: number; ts: number };
const readings = async (from: number): Promise<Row[]> => (await getJson(`${t.url}/api/devices/${ID}/readings?from=${from}`)).body.readings;
const latest = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.metric, r.value]));
const device = async () => (await getJson(`${t.url}/api/devices/${ID}`)).body.device;

test('the fixture SENSOR messages are stored with their values and units, stamped on receipt', async () => {
  const from = Date.now() - 1;
  for (const { topic, payload } of fixtures) await publish(topic, payload);
  const rows = await waitFor('energy readings', async () => {
    const found = await readings(from);
    return found.length >= 3 && found;
  });
  const [total, tariffs] = fixtures;
  assert.deepEqual(latest(rows), {
    'energy.total': Number(total.source_asserts['sensor.tasmota_energy_total'].state),
    'energy.totaltariff.0': Number(tariffs.source_asserts['sensor.tasmota_energy_totaltariff_0'].state),
    'energy.totaltariff.1': Number(tariffs.source_asserts['sensor.tasmota_energy_totaltariff_1'].state),
  });
  assert.ok(
    rows.every((r) => r.ts >= from && r.ts <= Date.now()),
    'Tasmota sends local time without a zone: the hub stamps the receive time',
  );
  const described = await waitFor('units', async () => {
    const body = await device();
    return body.metrics.some((m: { name: string; unit?: string }) => m.name === 'energy.totaltariff.1' && m.unit) && body;
  });
  assert.equal(described.dialect, 'tasmota');
  const unitOf = Object.fromEntries(described.metrics.map((m: { name: string; unit?: string }) => [m.name, m.unit]));
  assert.equal(unitOf['energy.total'], 'kWh');
  assert.equal(unitOf['energy.totaltariff.0'], 'kWh');
});

test('a relay is switched through the hub: POWER ON reaches the device, its RESULT acks the command', async (ctx) => {
  const states: string[] = [];
  const off = t.hub.bus.on('command', (c: Command) => c.deviceId === ID && states.push(c.state));
  teardown(ctx, off);
  // The device's STATE (after the tele/tasmota/STATE examples of Tasmota's documentation) makes its relay known.
  await publish(`${TOPIC}/tele/STATE`, '{"Time":"2024-05-01T10:00:00","UptimeSec":404,"POWER":"OFF","Wifi":{"RSSI":78,"Signal":-61}}');
  await waitFor('relay known', async () => (await device()).actuators.some((a: { name: string }) => a.name === 'power'));
  assert.deepEqual((await device()).actuators, [{ name: 'power', type: 'relay' }]);

  const sub = spawnMosquitto('mosquitto_sub', [...login('DVES_49A3BC'), '-t', `${TOPIC}/cmnd/#`, '-v', '-C', '1', '-W', '20']);
  const command = await t.hub.commands.create({ deviceId: ID, action: 'set', params: { power: true }, timeoutMs: 10_000 });
  await waitFor('command at the device', () => sub.output().includes('\n') && sub.output());
  assert.equal(sub.output().trim(), `${TOPIC}/cmnd/POWER ON`);

  const from = Date.now() - 1;
  // docs/MQTT.md, command flow: the device answers stat/…/RESULT {"POWER":"ON"} and stat/…/POWER ON.
  await publish(`${TOPIC}/stat/RESULT`, '{"POWER":"ON"}');
  await publish(`${TOPIC}/stat/POWER`, 'ON');
  await waitFor('acked', () => states.includes('acked'));
  assert.equal(states.at(-1), 'acked');
  assert.equal(t.hub.commands.get(command.id), undefined, 'no longer open');
  const power = (await readings(from)).filter((r) => r.metric === 'power');
  assert.deepEqual(
    power.map((r) => r.value),
    [1],
    'one switch reported on RESULT and POWER is one reading',
  );
});

test('LWT Online and Offline set presence, and so do connecting and the last will', async (ctx) => {
  const changes: PresenceChange[] = [];
  const off = t.hub.bus.on('presence', (c: PresenceChange) => c.deviceId === ID && changes.push(c));
  teardown(ctx, off);
  // One device connection with Tasmota's last will (Offline, retained, on tele/LWT) publishes its
  // LWT messages itself, as Tasmota does (docs/MQTT.md; LWT Online on connect).
  const lwt = `${TOPIC}/tele/LWT`;
  const will = { topic: lwt, payload: Buffer.from('Offline'), retain: true, qos: 1 as const };
  const client = await rawClient(ctx, t, { clientId: 'DVES_49A3BC', username: ID, password: key, will });
  await waitFor('online by connecting', () => changes.some((c) => c.state === 'online' && c.reason === 'connected'));
  await client.publishAsync(lwt, 'Offline', { qos: 1, retain: true });
  await waitFor('offline by LWT', () => changes.some((c) => c.state === 'offline' && c.reason === 'device reported offline'));
  await client.publishAsync(lwt, 'Online', { qos: 1, retain: true });
  await waitFor('online by LWT', () => changes.some((c) => c.state === 'online' && c.reason === 'device reported online'));
  // Connection lost without DISCONNECT: the broker publishes the will and the device goes offline.
  client.stream.destroy();
  await waitFor('offline when the connection is lost', () => changes.some((c) => c.state === 'offline' && /last will/.test(c.reason)));
  // mosquitto_sub as the device, killed: the same through Debian's client.
  const sub = spawnMosquitto('mosquitto_sub', [
    ...login('DVES_49A3BC'),
    ...['--will-topic', lwt, '--will-payload', 'Offline', '--will-retain', '-t', `${TOPIC}/cmnd/#`],
  ]);
  await waitFor('online again', () => t.hub.devices.get(ID)?.presence === 'online');
  sub.child.kill('SIGKILL');
  await waitFor('offline again', () => t.hub.devices.get(ID)?.presence === 'offline');
});

test('bad input is refused with a reason; the connection and the other readings survive', async (ctx) => {
  const refusals: HubEvents['refusal'][] = [];
  const off = t.hub.bus.on('refusal', (r) => r.deviceId === ID && refusals.push(r));
  teardown(ctx, off);
  const counted = (reason: string) => t.hub.metrics.framesRefused.get({ transport: 'mqtt', reason });
  const before = { malformed: counted('malformed'), foreign: counted('foreign_topic'), hub: counted('hub_topic') };
  const client = await rawClient(ctx, t, { clientId: 'DVES_49A3BC', username: ID, password: key });
  const from = Date.now() - 1;
  await client.publishAsync(`${TOPIC}/tele/SENSOR`, '{"ENERGY":{"Power":', { qos: 1 });
  await client.publishAsync('tele/tasmota_000000/SENSOR', '{"ENERGY":{"Power":1}}', { qos: 1 });
  await client.publishAsync('cmnd/tasmotas/POWER', 'OFF', { qos: 1 });
  await client.publishAsync(
    `${TOPIC}/tele/SENSOR`,
    '{"Time":"2024-05-01T10:00:00","ENERGY":{"Power":42,"Voltage":230.1},"SR04":{"Distance":null}}',
    {
      qos: 1,
    },
  );
  assert.ok(client.connected);
  await waitFor(
    'refusals counted',
    () => counted('malformed') > before.malformed && counted('foreign_topic') > before.foreign && counted('hub_topic') > before.hub,
  );
  await waitFor('the null refused', () => refusals.some((r) => r.code === 'bad_value'));
  assert.match(refusals.find((r) => r.code === 'malformed')!.detail, /malformed JSON/);
  assert.match(refusals.find((r) => r.code === 'bad_value')!.detail, /sr04\.distance/);
  assert.deepEqual(latest(await readings(from)), { 'energy.power': 42, 'energy.voltage': 230.1 });
});
