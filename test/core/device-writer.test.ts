// Device descriptions in group commits, on a real store on its own thread: many registers at once
// share few writes, and each one resolves only once its own description is durable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceRegistry } from '../../src/core/devices.js';
import { EventBus } from '../../src/core/events.js';
import type { Device } from '../../src/core/model.js';
import { StreamLedger } from '../../src/core/streams.js';
import { WorkerStore } from '../../src/storage/worker/worker-store.js';
import { teardown, tempDir } from '../helpers/teardown.js';

test('200 devices registering at once are written in fewer writes than devices, each durable when its register resolves', async (t) => {
  const store = new WorkerStore(tempDir(t, 'device-writer-'));
  await store.start();
  teardown(t, () => store.stop());
  const writes: string[][] = [];
  const counted = {
    loadDevices: () => store.loadDevices(),
    saveDevices: async (devices: Device[]) => {
      writes.push(devices.map((d) => d.id));
      await store.saveDevices(devices);
    },
  };
  const registry = new DeviceRegistry(counted, new StreamLedger(), new EventBus());
  await registry.start();
  const ids = Array.from({ length: 200 }, (_, i) => `d${i}`);
  await Promise.all(
    ids.map(async (id) => {
      await registry.register({ id, name: id, transport: 'mqtt' });
      // Durable now: a read of the store (posted after the write's answer) holds it.
      assert.ok(
        (await store.loadDevices()).some((d) => d.id === id),
        id,
      );
    }),
  );
  assert.ok(writes.length >= 2 && writes.length < ids.length, `${writes.length} writes`);
  assert.deepEqual(writes.flat().sort(), [...ids].sort(), 'every device written once');
});

test('a device described twice before its write is written once, with the newer description; a failed write rejects its callers', async (t) => {
  const store = new WorkerStore(tempDir(t, 'device-writer-'));
  await store.start();
  teardown(t, () => store.stop());
  const registry = new DeviceRegistry(store, new StreamLedger(), new EventBus());
  await registry.start();
  const first = registry.register({ id: 'a', name: 'A', transport: 'mqtt' }); // written at once
  const second = registry.register({ id: 'b', name: 'B', transport: 'mqtt' }); // queued
  const third = registry.register({ id: 'b', name: 'B2', transport: 'mqtt' }); // joins the same write
  await Promise.all([first, second, third]);
  assert.deepEqual(
    (await store.loadDevices()).map((d) => [d.id, d.name]),
    [
      ['a', 'A'],
      ['b', 'B2'],
    ],
  );
  await store.stop();
  await assert.rejects(registry.register({ id: 'c', name: 'C', transport: 'mqtt' }), /store is not open/);
});
