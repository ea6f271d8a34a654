// Telemetry without a stream: `{"temperature": 23}`, `{"readings": {...}}` and a plain number on
// devices/{id}/telemetry/<metric>, from Debian's mosquitto_pub. QoS 1 is answered only once the
// readings are durable (the hub here waits 400 ms before each write, so a PUBACK sent on arrival
// would let mosquitto_pub exit before the readings are stored); a resend of the same readings at
// the same time is stored once; a value that is not a number is refused with a reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { killChildren, provision, runMosquitto, spawnMosquitto } from './mqtt-helpers.js';

let t: TestHub;
let login: string[];

before(async () => {
  t = await startHub({ flushIntervalMs: 400 });
  const key = await provision(t, 'script-1');
  login = ['-h', '127.0.0.1', '-p', String(t.hub.mqtt.port), '-u', 'script-1', '-P', key, '-q', '1'];
});
after(async () => {
  killChildren();
  await t.stop();
});

type Row = { metric: string; value: number; ts: number };
const readings = async (from: number): Promise<Row[]> =>
  (await getJson(`${t.url}/api/devices/script-1/readings?from=${from}`)).body.readings;

test('the flat form, the readings form and a plain number are stored before the PUBACK', async () => {
  const from = Date.now() - 1;
  const publish = async (topic: string, message: string) => {
    const pub = await runMosquitto('mosquitto_pub', [...login, '-i', 'script-1', '-t', topic, '-m', message]);
    assert.equal(pub.code, 0, pub.stderr);
  };
  await publish('devices/script-1/telemetry', '{"temperature": 23}');
  assert.deepEqual(
    (await readings(from)).map((r) => [r.metric, r.value]),
    [['temperature', 23]],
    'stored by the time mosquitto_pub had its PUBACK',
  );
  await publish('devices/script-1/telemetry', '{"readings": {"humidity": 41.5}}');
  await publish('devices/script-1/telemetry/pressure', '1013.2');
  const stored = (await readings(from)).map((r) => [r.metric, r.value]).sort();
  assert.deepEqual(stored, [
    ['humidity', 41.5],
    ['pressure', 1013.2],
    ['temperature', 23],
  ]);
});

test('the same readings at the same time sent twice (a QoS 1 resend) are stored once', async () => {
  const ts = Date.now() - 5_000;
  const message = JSON.stringify({ ts, readings: { level: 7 } });
  for (let i = 0; i < 2; i++) {
    const pub = await runMosquitto('mosquitto_pub', [...login, '-i', 'script-1', '-t', 'devices/script-1/telemetry', '-m', message]);
    assert.equal(pub.code, 0, pub.stderr);
  }
  const rows = (await readings(ts - 1)).filter((r) => r.metric === 'level');
  assert.deepEqual(
    rows.map((r) => [r.value, r.ts]),
    [[7, ts]],
  );
});

test('a plain value that is not a number is refused on the error topic; the connection and other readings survive', async () => {
  const sub = spawnMosquitto('mosquitto_sub', [...login, '-i', 'script-1-sub', '-t', 'devices/script-1/error', '-C', '1', '-W', '20']);
  await waitFor('error subscription', async () => {
    const pub = await runMosquitto('mosquitto_pub', [...login, '-i', 'script-1', '-t', 'devices/script-1/telemetry/door', '-m', 'open']);
    return pub.code === 0 && sub.output().length > 0;
  });
  const error = JSON.parse(sub.output().trim().split('\n')[0]);
  assert.equal(error.code, 'bad_value');
  assert.equal(error.topic, 'devices/script-1/telemetry/door');
  assert.match(error.reason, /plain number/);
  const from = Date.now() - 1;
  const pub = await runMosquitto('mosquitto_pub', [...login, '-i', 'script-1', '-t', 'devices/script-1/telemetry/door', '-m', '1']);
  assert.equal(pub.code, 0);
  assert.deepEqual(
    (await readings(from)).map((r) => [r.metric, r.value]),
    [['door', 1]],
  );
});
