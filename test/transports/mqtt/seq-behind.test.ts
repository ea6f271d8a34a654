// The README's mosquitto_pub example run twice: the second run's seq 0 is one the hub holds, so
// its readings are ignored, and the device is told why on its error topic (once a minute), the
// refusal is listed for the device and counted, where it used to vanish without a word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, waitFor } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { killChildren, provision, runMosquitto, spawnMosquitto } from './mqtt-helpers.js';

test('a script run again from seq 0 is told seq_behind on its error topic, once, and the refusal is listed', async (t) => {
  const hub = await startHub(t);
  teardown(t, killChildren);
  const key = await provision(hub, 'kitchen-1');
  const login = ['-h', '127.0.0.1', '-p', String(hub.hub.mqtt.port), '-u', 'kitchen-1', '-P', key];
  const errors = spawnMosquitto('mosquitto_sub', [
    ...login,
    '-i',
    'kitchen-1-errors',
    '-t',
    'devices/kitchen-1/error',
    '-q',
    '1',
    '-W',
    '30',
  ]);
  await waitFor('the error subscriber connected', () => hub.hub.mqtt.clientCount === 1);
  const example = (temperature: number) =>
    runMosquitto('mosquitto_pub', [
      ...login,
      '-q',
      '1',
      '-t',
      'devices/kitchen-1/telemetry',
      '-m',
      `{"seq":0,"readings":{"temperature":${temperature}}}`,
    ]);

  assert.equal((await example(21.5)).code, 0);
  assert.equal((await example(23)).code, 0);
  const told = await waitFor('the error message', () => errors.output().trim());
  const error = JSON.parse(told.split('\n')[0]);
  assert.equal(error.code, 'seq_behind');
  assert.equal(error.seq, 0);
  assert.equal(error.topic, 'devices/kitchen-1/telemetry');
  assert.match(error.reason, /seq 0 is 0 behind 0.*ignored/);

  const listed = (await getJson(`${hub.url}/api/devices/kitchen-1/refusals`)).body.refusals;
  assert.deepEqual(
    listed.map((r: { code: string; source: string }) => [r.code, r.source]),
    [['seq_behind', 'mqtt']],
  );
  const device = (await getJson(`${hub.url}/api/devices/kitchen-1`)).body.device;
  assert.equal(device.latest.temperature.value, 21.5, 'the second run stored nothing');
  assert.equal(device.lastRefusal.code, 'seq_behind');
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  assert.match(metrics, /hub_readings_rejected_total\{[^}]*reason="seq_behind"[^}]*\} 1/);

  // A third run within the minute is dropped quietly: the device was told.
  assert.equal((await example(25)).code, 0);
  await waitFor('the third run handled', async () =>
    (await fetch(`${hub.url}/metrics`)).text().then((m) => /kind="sequence"[^}]*\} 2/.test(m)),
  );
  assert.equal(errors.output().trim().split('\n').length, 1);
});
