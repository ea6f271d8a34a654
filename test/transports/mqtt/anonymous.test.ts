// Anonymous access, enabled for development only: the client id is the device id, the device
// is registered on connect, and the ACL still holds. A wrong key is refused even here, and so
// is a login without a key as a device that has one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, type TestHub } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { DeviceClient } from '../../../src/device-client/client.js';
import { rawClient } from './mqtt-helpers.js';

let t: TestHub;
before(async () => {
  t = await startHub({ mqttAllowAnonymous: true });
});
after(() => t.stop());

test('an anonymous device streams under its client id', async (ctx) => {
  const device = new DeviceClient({ url: t.hub.mqtt.url, deviceId: 'bench-rig' });
  teardown(ctx, () => device.stop());
  await device.start();
  device.send({ x: 1 });
  await device.drained();
  const { body } = await getJson(`${t.url}/api/devices/bench-rig/readings`);
  assert.deepEqual(
    body.readings.map((r: { metric: string; value: number }) => [r.metric, r.value]),
    [['x', 1]],
  );
});

test('an invalid client id, and a wrong or missing key for a provisioned device, are still refused', async () => {
  await assert.rejects(rawClient(t, { clientId: 'has space' }), (err: Error & { code?: number }) => err.code === 2);
  await t.hub.credentials.provision('keyed-1');
  await assert.rejects(
    rawClient(t, { clientId: 'keyed-1', username: 'keyed-1', password: 'wrong' }),
    (err: Error & { code?: number }) => err.code === 4,
  );
  await assert.rejects(
    rawClient(t, { clientId: 'keyed-1' }),
    (err: Error & { code?: number }) => err.code === 5,
    'a device with a key cannot log in without it',
  );
});

test("an MQTT client cannot take a serial device's id, with or without a key; the device keeps its transport", async () => {
  // The device a serial session registered (a DSMR meter on its port).
  await t.hub.devices.register({ id: 'meter-42', name: 'Meter', transport: 'dsmr' });
  await assert.rejects(rawClient(t, { clientId: 'meter-42' }), (err: Error & { code?: number }) => err.code === 5);
  const key = (await t.hub.credentials.provision('meter-42')).key;
  await assert.rejects(
    rawClient(t, { clientId: 'meter-42', username: 'meter-42', password: key }),
    (err: Error & { code?: number }) => err.code === 5,
  );
  const { body } = await getJson(`${t.url}/api/devices/meter-42`);
  assert.equal(body.device.transport, 'dsmr');
});
