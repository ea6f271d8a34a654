// A device's life through the admin API of a real hub: add (refused again unless replace), rename,
// re-key (the old key stops at once), remove (key, registry, connections; with purge the history),
// each answered as specified, with the live stream told of a removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { MqttClient } from 'mqtt';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { deviceAdminRoutes } from '../../../src/http/routes/device-admin.js';
import { installErrorHandling } from '../../../src/http/errors.js';
import { DeviceClient } from '../../../src/device-client/client.js';
import { openSse } from '../../live/sse-reader.js';
import { rawClient } from '../../transports/mqtt/mqtt-helpers.js';

async function call(hub: TestHub, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Whether the key logs the device in over MQTT (the connection is closed again at once). */
async function logsIn(hub: TestHub, id: string, key: string): Promise<boolean> {
  try {
    const client = await rawClient(hub, { clientId: `${id}-probe-${Math.random()}`, username: id, password: key });
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

test('an admin adds a device, gets its key once, and the device logs in and reports with it', async (t) => {
  const hub = await startHub(t);
  const res = await call(hub, 'POST', '/api/admin/devices', { id: 'boiler-1', name: 'Boiler' });
  assert.equal(res.status, 201);
  assert.deepEqual(Object.keys(res.body).sort(), ['id', 'key', 'mqtt']);
  assert.deepEqual(res.body.mqtt, { port: hub.hub.mqtt.port, tls: false }, 'where the device logs in');
  assert.equal(hub.hub.devices.get('boiler-1')?.name, 'Boiler');
  assert.equal(hub.hub.devices.get('boiler-1')?.transport, 'mqtt');
  const device = new DeviceClient({ url: hub.hub.mqtt.url, deviceId: 'boiler-1', key: res.body.key });
  teardown(t, () => device.stop());
  await device.start();
  device.send({ flow: 42 });
  await device.drained();
  assert.equal(device.head, 0);
});

test('adding an id that has a key is refused with 409 unless replace is true; the replaced key stops working', async (t) => {
  const hub = await startHub(t);
  const first = (await call(hub, 'POST', '/api/admin/devices', { id: 'pump-1' })).body.key as string;
  const again = await call(hub, 'POST', '/api/admin/devices', { id: 'pump-1', name: 'Pump' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'exists');
  assert.match(again.body.message, /pump-1 already has a key.*replace/);
  assert.equal(hub.hub.devices.get('pump-1')?.name, 'pump-1', 'a refused add changes nothing');
  assert.equal(await logsIn(hub, 'pump-1', first), true);

  const replaced = await call(hub, 'POST', '/api/admin/devices', { id: 'pump-1', replace: true });
  assert.equal(replaced.status, 201);
  assert.notEqual(replaced.body.key, first);
  assert.equal(await logsIn(hub, 'pump-1', first), false);
  assert.equal(await logsIn(hub, 'pump-1', replaced.body.key), true);
});

test('bad bodies and ids are 400, unknown devices 404', async (t) => {
  const hub = await startHub(t);
  assert.equal((await call(hub, 'POST', '/api/admin/devices', { name: 'x' })).status, 400);
  assert.equal((await call(hub, 'POST', '/api/admin/devices', { id: 'x', replace: 'yes' })).status, 400);
  const badId = await call(hub, 'POST', '/api/admin/devices', { id: 'no/slash' });
  assert.equal(badId.status, 400);
  assert.match(badId.body.message, /device id may hold only/);
  assert.equal((await call(hub, 'PATCH', '/api/admin/devices/ghost', { name: 'G' })).status, 404);
  assert.equal((await call(hub, 'PATCH', '/api/admin/devices/ghost', {})).status, 400);
  assert.equal((await call(hub, 'POST', '/api/admin/devices/ghost/key')).status, 404);
  const gone = await call(hub, 'DELETE', '/api/admin/devices/ghost');
  assert.deepEqual([gone.status, gone.body.error], [404, 'not_found']);
  assert.equal((await call(hub, 'DELETE', '/api/admin/devices/ghost?purge=maybe')).status, 400);
});

test('rename answers the device; re-key answers a new key, closes the connection made with the old one and refuses it', async (t) => {
  const hub = await startHub(t);
  const key = (await call(hub, 'POST', '/api/admin/devices', { id: 'meter-1' })).body.key as string;
  const renamed = await call(hub, 'PATCH', '/api/admin/devices/meter-1', { name: 'Garage meter' });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.device.id, 'meter-1');
  assert.equal(renamed.body.device.name, 'Garage meter');
  assert.equal(renamed.body.device.lastRefusal, null);
  assert.equal((await getJson(`${hub.url}/api/devices/meter-1`)).body.device.name, 'Garage meter');

  const connected = await rawClient(t, hub, { clientId: 'meter-1', username: 'meter-1', password: key });
  const gone = closed(connected);
  const rekeyed = await call(hub, 'POST', '/api/admin/devices/meter-1/key');
  assert.equal(rekeyed.status, 200);
  assert.equal(rekeyed.body.id, 'meter-1');
  await gone;
  assert.equal(await logsIn(hub, 'meter-1', key), false);
  assert.equal(await logsIn(hub, 'meter-1', rekeyed.body.key), true);
});

test('remove: 204, the key and the device are gone, its connection is closed and the live stream says so; history stays without purge', async (t) => {
  const hub = await startHub(t);
  const key = (await call(hub, 'POST', '/api/admin/devices', { id: 'lamp-1' })).body.key as string;
  const device = new DeviceClient({ url: hub.hub.mqtt.url, deviceId: 'lamp-1', key, reconnectDelayMs: 100 });
  teardown(t, () => device.stop());
  await device.start();
  device.send({ lux: 300 });
  await device.drained();
  const stream = await openSse(t, `${hub.url}/api/stream?types=deviceRemoved`);

  const removed = await call(hub, 'DELETE', '/api/admin/devices/lamp-1');
  assert.deepEqual(removed, { status: 204, body: null });
  const [event] = await stream.waitForEvents(1);
  assert.equal(event.event, 'deviceRemoved');
  assert.deepEqual(JSON.parse(event.data), { id: 'lamp-1' });
  assert.equal((await getJson(`${hub.url}/api/devices/lamp-1`)).status, 404);
  assert.equal(await logsIn(hub, 'lamp-1', key), false);
  await waitFor('the removed device disconnected', () => hub.hub.mqtt.clientCount === 0);
  const readings = await getJson(`${hub.url}/api/devices/lamp-1/readings?from=0`);
  assert.equal(readings.body.readings?.length ?? 0, 0, 'readings of an unknown device are not served');
  const kept = await hub.hub.store.queryRaw({ deviceId: 'lamp-1', from: 0, to: Date.now() + 1, limit: 10 });
  assert.equal(kept.readings.length, 1, 'without purge the readings stay in the store');
});

test('remove with purge=true deletes the readings, presence history and commands too', async (t) => {
  const hub = await startHub(t);
  const key = (await call(hub, 'POST', '/api/admin/devices', { id: 'fan-1' })).body.key as string;
  const device = new DeviceClient({ url: hub.hub.mqtt.url, deviceId: 'fan-1', key });
  teardown(t, () => device.stop());
  await device.start();
  for (const rpm of [100, 200, 300]) device.send({ rpm });
  await device.drained();
  await device.stop();
  await waitFor('presence history stored', async () => (await hub.hub.store.presenceHistory('fan-1', 10)).length >= 2);

  assert.equal((await call(hub, 'DELETE', '/api/admin/devices/fan-1?purge=true')).status, 204);
  const store = hub.hub.store;
  assert.deepEqual((await store.queryRaw({ deviceId: 'fan-1', from: 0, to: Date.now() + 1, limit: 10 })).readings, []);
  assert.deepEqual(await store.presenceHistory('fan-1', 10), []);
  assert.deepEqual(await store.loadCommands({ deviceId: 'fan-1' }), []);
  assert.deepEqual(
    (await store.loadDevices()).map((d) => d.id),
    [],
  );
  // The id can be added again and starts a fresh stream.
  assert.equal((await call(hub, 'POST', '/api/admin/devices', { id: 'fan-1' })).status, 201);
  assert.equal(hub.hub.streams.head('fan-1'), null);
});

test('every admin route runs the guard it is mounted with', async () => {
  const app = Fastify();
  installErrorHandling(app, (await import('../../../src/observability/logger.js')).createLogger('silent'));
  const calls: string[] = [];
  const unreachable = async () => {
    throw new Error('the guard must answer first');
  };
  await app.register(deviceAdminRoutes, {
    lifecycle: { add: unreachable, rename: unreachable, rekey: unreachable, remove: unreachable },
    view: () => {
      throw new Error('unreachable');
    },
    broker: () => ({ port: 1883, tls: false }),
    preHandler: async (request, reply) => {
      calls.push(`${request.method} ${request.url}`);
      await reply.status(403).send({ error: 'forbidden', message: 'admin role required' });
    },
  });
  const denied = [
    await app.inject({ method: 'POST', url: '/api/admin/devices', payload: { id: 'x' } }),
    await app.inject({ method: 'PATCH', url: '/api/admin/devices/x', payload: { name: 'X' } }),
    await app.inject({ method: 'POST', url: '/api/admin/devices/x/key' }),
    await app.inject({ method: 'DELETE', url: '/api/admin/devices/x' }),
  ];
  assert.deepEqual(
    denied.map((r) => r.statusCode),
    [403, 403, 403, 403],
  );
  assert.equal(calls.length, 4);
  await app.close();
});

test('on the hub itself the admin routes are guarded by the auth hook: admin only', async (t) => {
  const hub = await startHub(t, { auth: 'on' });
  const operator = (await hub.hub.tokens.add('operator')).token;
  const admin = (await hub.hub.tokens.add('admin')).token;
  const send = (method: string, path: string, token: string | null, body?: unknown) =>
    fetch(`${hub.url}${path}`, {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const routes: Array<[string, string, unknown?]> = [
    ['POST', '/api/admin/devices', { id: 'pump-7' }],
    ['PATCH', '/api/admin/devices/pump-7', { name: 'Pump' }],
    ['POST', '/api/admin/devices/pump-7/key'],
    ['DELETE', '/api/admin/devices/pump-7'],
  ];
  for (const [method, path, body] of routes) {
    assert.equal((await send(method, path, null, body)).status, 401, `${method} ${path} without a token`);
    assert.equal((await send(method, path, operator, body)).status, 403, `${method} ${path} as operator`);
  }
  const statuses: number[] = [];
  for (const [method, path, body] of routes) statuses.push((await send(method, path, admin, body)).status);
  assert.deepEqual(statuses, [201, 200, 200, 204]);
});

test("adding a key for a serial device's id is refused unless the admin moves it to MQTT; a dialect and topic are checked", async (t) => {
  const hub = await startHub(t);
  await hub.hub.devices.register({ id: 'meter-9', name: 'Meter', transport: 'dsmr' });
  const refused = await call(hub, 'POST', '/api/admin/devices', { id: 'meter-9' });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error, 'other_transport');
  assert.match(refused.body.message, /meter-9 is a dsmr device.*moveToMqtt/);
  assert.equal(hub.hub.devices.get('meter-9')?.transport, 'dsmr', 'nothing changed');
  const moved = await call(hub, 'POST', '/api/admin/devices', { id: 'meter-9', moveToMqtt: true });
  assert.equal(moved.status, 201);
  assert.equal(hub.hub.devices.get('meter-9')?.transport, 'mqtt');

  const plug = await call(hub, 'POST', '/api/admin/devices', { id: 'plug-1', dialect: 'tasmota', topic: 'tasmota_49A3BC' });
  assert.equal(plug.status, 201);
  assert.equal(hub.hub.devices.get('plug-1')?.dialect, 'tasmota');
  const taken = await call(hub, 'POST', '/api/admin/devices', { id: 'plug-2', dialect: 'tasmota', topic: 'tasmota_49A3BC' });
  assert.equal(taken.status, 400);
  assert.match(taken.body.message, /already the topic of device plug-1/);
  const unknown = await call(hub, 'POST', '/api/admin/devices', { id: 'plug-3', dialect: 'zigbee' });
  assert.equal(unknown.status, 400);
  // A new key keeps the dialect and topic.
  const rekeyed = await call(hub, 'POST', '/api/admin/devices/plug-1/key');
  assert.equal(rekeyed.status, 200);
  assert.deepEqual(await hub.hub.credentials.dialect('plug-1'), { dialect: 'tasmota', topic: 'tasmota_49A3BC' });
});
