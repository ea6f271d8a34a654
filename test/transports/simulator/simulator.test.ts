import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import type { Command } from '../../../src/core/model.js';

let t: TestHub;

before(async () => {
  t = await startHub({ simulate: 2, simulateIntervalMs: 50 });
});
after(() => t.stop());

test('simulated devices come online and their readings reach the store and the REST API', async () => {
  const devices = await waitFor('two devices online', async () => {
    const { body } = await getJson(`${t.url}/api/devices?presence=online`);
    return body.devices.length === 2 && body.devices;
  });
  assert.deepEqual(
    devices.map((d: { id: string }) => d.id),
    ['sim-001', 'sim-002'],
  );
  assert.deepEqual(devices[1].metrics, [
    { name: 'power', unit: 'W' },
    { name: 'energy', unit: 'kWh' },
  ]);
  const readings = await waitFor('energy readings', async () => {
    const { body } = await getJson(`${t.url}/api/devices/sim-002/readings?metric=energy`);
    return body.readings.length >= 5 && body.readings;
  });
  const values = readings.map((r: { value: number }) => r.value);
  assert.deepEqual(
    values,
    [...values].sort((a, b) => a - b),
    'energy counters never run backwards',
  );
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /^hub_connections\{kind="mqtt"\} 2$/m, 'each simulated device holds one MQTT connection');
  assert.match(metrics, /^hub_devices\{presence="online"\} 2$/m);
  const temps = (await getJson(`${t.url}/api/devices/sim-001/readings?metric=temperature`)).body.readings;
  assert.ok(
    temps.every((r: { value: number }) => r.value > 10 && r.value < 35),
    'room temperatures are plausible',
  );
});

test('a relay command is acked and switches the metered load off; a bad one fails with the reason', async () => {
  const states: string[] = [];
  const off = t.hub.bus.on('command', (c: Command) => states.push(`${c.action}:${c.state}`));
  const cmd = await t.hub.commands.create({ deviceId: 'sim-002', action: 'set', params: { relay: false }, timeoutMs: 5_000 });
  await waitFor('ack', () => states.includes('set:acked'));
  const since = Date.now() + 200;
  await waitFor('power at zero', async () => {
    const { body } = await getJson(`${t.url}/api/devices/sim-002/readings?metric=power&from=${since}&to=${Date.now() + 1000}`);
    return body.readings.length >= 2 && body.readings.every((r: { value: number }) => r.value === 0);
  });
  const bad = await t.hub.commands.create({ deviceId: 'sim-002', action: 'explode', timeoutMs: 5_000 });
  await waitFor('failure', () => states.includes('explode:failed'));
  off();
  const stored = await t.hub.store.loadCommands({ deviceId: 'sim-002' });
  assert.equal(stored.find((c) => c.id === cmd.id)?.state, 'acked');
  assert.match(stored.find((c) => c.id === bad.id)?.error ?? '', /unknown action explode/);
});

test('a halted device goes offline, its presence history says why, and commands to it expire', async () => {
  assert.equal(t.hub.simulator?.halt('sim-001'), true);
  const { body } = await getJson(`${t.url}/api/devices/sim-001`);
  assert.equal(body.device.presence, 'offline');
  assert.equal(body.presenceHistory[0].state, 'offline');
  const cmd = await t.hub.commands.create({ deviceId: 'sim-001', action: 'set', params: { relay: true }, timeoutMs: 100 });
  await waitFor(
    'expiry',
    async () => (await t.hub.store.loadCommands({ deviceId: 'sim-001' })).find((c) => c.id === cmd.id)?.state === 'expired',
    5_000,
  );
});
