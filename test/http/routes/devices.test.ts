// The device routes answer through response schemas, which drop any field they do not list:
// every field of a registry device must come through, with its latest values.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { DeviceRegistry } from '../../../src/core/devices.js';
import { EventBus } from '../../../src/core/events.js';
import { LatestReadings } from '../../../src/core/latest.js';
import { RefusalHistory } from '../../../src/core/refusal-history.js';
import type { PresenceChange } from '../../../src/core/model.js';
import { StreamLedger } from '../../../src/core/streams.js';
import { installErrorHandling } from '../../../src/http/errors.js';
import { deviceRoutes } from '../../../src/http/routes/devices.js';
import { createLogger } from '../../../src/observability/logger.js';

const bus = new EventBus();
const devices = new DeviceRegistry(
  { loadDevices: async () => [], saveDevices: async () => {} },
  new StreamLedger(),
  bus,
  () => 1_700_000_000_000,
);
const latest = new LatestReadings(bus);
let now = 1_700_000_003_000;
const refusals = new RefusalHistory(bus, { perDevice: 3, maxDevices: 10 }, () => now);
const history: PresenceChange[] = [
  { deviceId: 'boiler-1', state: 'online', previous: 'unknown', ts: 1_700_000_001_000, reason: 'connected' },
];
let app: FastifyInstance;

before(async () => {
  await devices.start();
  await latest.start();
  await refusals.start();
  await devices.register({
    id: 'boiler-1',
    name: 'Boiler',
    transport: 'line',
    firmware: 'serial-telemetry 1.2',
    sampleIntervalMs: 500,
    metrics: [{ name: 'flow', unit: 'l/min' }, { name: 'pressure' }],
    actuators: [{ name: 'pump', type: 'relay' }],
  });
  devices.touch('boiler-1', 1_700_000_002_000);
  devices.setPresence('boiler-1', 'online');
  bus.emit('readings', { deviceId: 'boiler-1', readings: [{ deviceId: 'boiler-1', metric: 'flow', ts: 1_700_000_002_000, value: 3.5 }] });
  app = Fastify();
  installErrorHandling(app, createLogger('silent'));
  await app.register(deviceRoutes, { devices, latest, refusals, store: { presenceHistory: async () => history } });
});
after(async () => {
  await app.close();
  await latest.stop();
  await refusals.stop();
});

const expected = () => ({ ...devices.get('boiler-1'), latest: { flow: { ts: 1_700_000_002_000, value: 3.5 } }, lastRefusal: null });

test('the listing carries every field of the device and its latest values', async () => {
  const res = await app.inject('/api/devices?presence=online&transport=line');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { devices: [expected()] });
  assert.deepEqual((await app.inject('/api/devices?presence=offline')).json(), { devices: [] });
});

test('the detail carries the same device and its presence history', async () => {
  const res = await app.inject('/api/devices/boiler-1');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    device: expected(),
    presenceHistory: [{ state: 'online', previous: 'unknown', ts: 1_700_000_001_000, reason: 'connected' }],
  });
});

test('a presence filter outside the presence states is refused', async () => {
  const res = await app.inject('/api/devices?presence=asleep');
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'bad_request');
});

test('refusals from the bus are listed newest first, bounded per device, and the newest shows on the device', async () => {
  const topic = 'devices/boiler-1/telemetry';
  for (const n of [1, 2, 3, 4]) {
    now += 1_000;
    bus.emit('refusal', { deviceId: 'boiler-1', source: 'mqtt', code: 'malformed', detail: `bad json ${n}`, topic });
  }
  now += 1_000;
  bus.emit('refusal', { deviceId: 'boiler-1', source: 'ingest', code: 'bad_value', detail: 'value must be finite' });
  bus.emit('refusal', { deviceId: 'pump-2', source: 'mqtt', code: 'malformed', detail: 'another device' });
  bus.emit('refusal', { deviceId: null, source: 'mqtt', code: 'unauthenticated', detail: 'nobody' });

  const res = await app.inject('/api/devices/boiler-1/refusals?limit=2');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    refusals: [
      { ts: now, code: 'bad_value', detail: 'value must be finite', source: 'ingest' },
      { ts: now - 1_000, code: 'malformed', detail: 'bad json 4', topic, source: 'mqtt' },
    ],
  });
  // Three are kept per device here; the default limit (50) returns them all.
  const all = (await app.inject('/api/devices/boiler-1/refusals')).json().refusals;
  assert.deepEqual(
    all.map((r: { detail: string }) => r.detail),
    ['value must be finite', 'bad json 4', 'bad json 3'],
  );
  const lastRefusal = { ts: now, code: 'bad_value', detail: 'value must be finite', source: 'ingest', count: 5 };
  assert.deepEqual((await app.inject('/api/devices')).json().devices[0].lastRefusal, lastRefusal);
  assert.deepEqual((await app.inject('/api/devices/boiler-1')).json().device.lastRefusal, lastRefusal);
  assert.equal((await app.inject('/api/devices/nobody/refusals')).statusCode, 404);
  assert.equal((await app.inject('/api/devices/boiler-1/refusals?limit=0')).statusCode, 400);

  bus.emit('deviceRemoved', { id: 'boiler-1' });
  assert.deepEqual((await app.inject('/api/devices/boiler-1/refusals')).json(), { refusals: [] });
});
