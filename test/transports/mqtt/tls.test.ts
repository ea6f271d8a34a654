// MQTT over TLS with a certificate made by openssl for this test: a device that trusts the
// certificate streams readings; a plain-TCP client gets nowhere on the TLS port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startHub, type TestHub } from '../../helpers/hub.js';
import { provision, startDevice } from './mqtt-helpers.js';

// For the whole file, like the hub started with it: a suite's hooks have no test context.
const dir = mkdtempSync(join(tmpdir(), 'mqtt-tls-'));
let t: TestHub;

before(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  t = await startHub({ mqttTlsCert: join(dir, 'cert.pem'), mqttTlsKey: join(dir, 'key.pem') });
});
after(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a device that trusts the hub certificate streams over mqtts', async (ctx) => {
  assert.match(t.hub.mqtt.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  const device = await startDevice(ctx, t, 'tls-1', { mqtt: { ca: readFileSync(join(dir, 'cert.pem')) } });
  device.send({ secure: 1 });
  await device.drained();
  assert.equal(device.head, 0);
});

test('plain MQTT on the TLS port does not get in', async () => {
  const key = await provision(t, 'plain-1');
  const outcome = await new Promise<string>((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${t.hub.mqtt.port}`, {
      username: 'plain-1',
      password: key,
      reconnectPeriod: 0,
      connectTimeout: 3_000,
    });
    client.once('connect', () => {
      client.end(true);
      resolve('connected');
    });
    client.once('error', () => {
      client.end(true);
      resolve('error');
    });
    client.once('close', () => {
      client.end(true);
      resolve('closed');
    });
  });
  assert.notEqual(outcome, 'connected');
});
