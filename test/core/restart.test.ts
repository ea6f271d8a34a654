// A restarted hub shows its devices as they were: presence from the stored history (the stale
// check then judges it) and the latest value of each metric from the store, not `unknown` and `{}`
// until each device reports again. Two real hub processes, one after the other, on one data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, waitFor } from '../helpers/hub.js';
import { startHubProcess } from '../helpers/hub-process.js';
import { teardown, tempDir } from '../helpers/teardown.js';
import { DeviceRegistry } from '../../src/core/devices.js';
import { EventBus } from '../../src/core/events.js';
import { PresenceService } from '../../src/core/presence.js';
import { StreamLedger } from '../../src/core/streams.js';
import { createLogger } from '../../src/observability/logger.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { runMosquitto } from '../transports/mqtt/mqtt-helpers.js';

test('after a restart a device keeps its last presence, lastSeen and latest values', async (t) => {
  const dataDir = tempDir(t, 'restart-');
  const first = await startHubProcess(t, { dataDir });
  const added = await fetch(`${first.url}/api/admin/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'kitchen-1' }),
  });
  const { key } = (await added.json()) as { key: string };
  const port = new URL(first.mqttUrl).port;
  for (const [seq, temperature] of [
    [0, 21.5],
    [1, 22.25],
  ]) {
    const pub = await runMosquitto('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', port, '-u', 'kitchen-1', '-P', key, '-i', 'kitchen-1', '-q', '1'],
      ...['-t', 'devices/kitchen-1/telemetry', '-m', JSON.stringify({ seq, readings: { temperature, humidity: 40 + seq } })],
    ]);
    assert.equal(pub.code, 0, pub.stderr);
  }
  // mosquitto_pub disconnects after publishing; the hub stores that as `offline`. Its PUBACK came
  // on arrival (the ack that means durable is the stream's), so the reading may land a moment later.
  const before = await waitFor('the disconnect and the last reading seen', async () => {
    const { body } = await getJson(`${first.url}/api/devices/kitchen-1`);
    return body.device.presence === 'offline' && body.device.latest.temperature?.value === 22.25 && body;
  });
  assert.equal(await first.stop(), 0);

  const second = await startHubProcess(t, { dataDir });
  const after = (await getJson(`${second.url}/api/devices/kitchen-1`)).body;
  assert.equal(after.device.presence, 'offline');
  assert.equal(after.device.lastSeen, before.device.lastSeen);
  assert.deepEqual(after.device.latest, before.device.latest);
  assert.deepEqual(Object.keys(after.device.latest).sort(), ['humidity', 'temperature']);
  const listed = (await getJson(`${second.url}/api/devices`)).body.devices[0];
  assert.deepEqual([listed.presence, listed.latest], ['offline', before.device.latest]);
  // The restore adds nothing to the history: the last change is still the disconnect.
  assert.deepEqual(after.presenceHistory[0], before.presenceHistory[0]);
});

test('a device restored as online is judged by the stale check from its stored lastSeen', async (t) => {
  const store = new SqliteStore(null);
  await store.start();
  teardown(t, () => store.stop());
  const T0 = Date.UTC(2026, 0, 5, 12);
  await store.saveDevice({
    id: 'esp-1',
    name: 'ESP',
    transport: 'mqtt',
    metrics: [],
    actuators: [],
    sampleIntervalMs: 1_000,
    presence: 'online',
    lastSeen: T0,
    createdAt: T0,
  });
  await store.appendPresence([{ deviceId: 'esp-1', state: 'online', previous: 'unknown', ts: T0, reason: 'connected' }]);
  // The hub was killed while the device was connected; it comes back 2 s later.
  let now = T0 + 2_000;
  const bus = new EventBus();
  const devices = new DeviceRegistry(store, new StreamLedger(), bus);
  await devices.start();
  const presence = new PresenceService(
    { devices, bus, store, log: createLogger('silent'), clock: () => now },
    { staleFactor: 3, defaultIntervalMs: 60_000, checkIntervalMs: 60_000 },
  );
  await presence.start();
  teardown(t, () => presence.stop());
  assert.deepEqual([devices.get('esp-1')?.presence, devices.get('esp-1')?.lastSeen], ['online', T0]);
  presence.checkStale();
  assert.equal(devices.get('esp-1')?.presence, 'online');
  now = T0 + 3_001;
  presence.checkStale();
  assert.equal(devices.get('esp-1')?.presence, 'stale');
});
