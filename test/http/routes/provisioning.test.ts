// POST /api/admin/devices on a hub with auth on: admin only, answers the key once, registers
// the device, and the key logs the device in over MQTT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { startHub, type TestHub } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { provisioningRoutes } from '../../../src/http/routes/provisioning.js';
import { installErrorHandling } from '../../../src/http/errors.js';
import { DeviceClient } from '../../../src/device-client/client.js';

let t: TestHub;
let app: FastifyInstance;
let adminKey = '';
const guardCalls: string[] = [];

before(async () => {
  t = await startHub();
  // The plugin as the composition root mounts it, with a preHandler guard of its own.
  app = Fastify();
  installErrorHandling(app, t.hub.log);
  await app.register(provisioningRoutes, {
    credentials: t.hub.credentials,
    devices: t.hub.devices,
    preHandler: async (request, reply) => {
      guardCalls.push(request.url);
      if (request.headers.authorization !== `Bearer ${adminKey}`)
        await reply.status(403).send({ error: 'forbidden', message: 'admin role required' });
    },
  });
  adminKey = 'test-admin';
});
after(async () => {
  await app.close();
  await t.stop();
});

test('an admin provisions a device, gets its key once, and the device logs in with it', async (ctx) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/devices',
    headers: { authorization: 'Bearer test-admin' },
    payload: { id: 'boiler-1', name: 'Boiler' },
  });
  assert.equal(res.statusCode, 201);
  const { id, key } = res.json();
  assert.equal(id, 'boiler-1');
  assert.equal(t.hub.devices.get('boiler-1')?.name, 'Boiler');
  assert.equal(t.hub.devices.get('boiler-1')?.transport, 'mqtt');
  const device = new DeviceClient({ url: t.hub.mqtt.url, deviceId: 'boiler-1', key });
  teardown(ctx, () => device.stop());
  await device.start();
  device.send({ flow: 42 });
  await device.drained();
  await device.stop();
  assert.equal(device.head, 0);
});

test('the guard runs, bad bodies are 400 and invalid ids are refused', async () => {
  const denied = await app.inject({ method: 'POST', url: '/api/admin/devices', payload: { id: 'x' } });
  assert.equal(denied.statusCode, 403);
  assert.ok(guardCalls.length >= 2);
  const noId = await app.inject({
    method: 'POST',
    url: '/api/admin/devices',
    headers: { authorization: 'Bearer test-admin' },
    payload: { name: 'x' },
  });
  assert.equal(noId.statusCode, 400);
  const badId = await app.inject({
    method: 'POST',
    url: '/api/admin/devices',
    headers: { authorization: 'Bearer test-admin' },
    payload: { id: 'no/slash' },
  });
  assert.equal(badId.statusCode, 400);
  assert.match(badId.json().message, /device id may hold only/);
});

test('on the hub itself the route is guarded by the auth hook: admin only', async (t) => {
  const hub = await startHub(t, { auth: 'on' });
  const post = (token: string | null) =>
    fetch(`${hub.url}/api/admin/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ id: 'pump-7' }),
    });
  assert.equal((await post(null)).status, 401);
  assert.equal((await post((await hub.hub.tokens.add('operator')).token)).status, 403);
  const res = await post((await hub.hub.tokens.add('admin')).token);
  assert.equal(res.status, 201);
  assert.equal((await res.json()).id, 'pump-7');
  assert.equal(hub.hub.devices.get('pump-7')?.transport, 'mqtt');
});
