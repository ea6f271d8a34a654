import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CommandService } from '../../src/core/commands.js';
import { DeviceRegistry } from '../../src/core/devices.js';
import { EventBus } from '../../src/core/events.js';
import type { Command, PresenceChange } from '../../src/core/model.js';
import { PresenceService } from '../../src/core/presence.js';
import { StreamLedger } from '../../src/core/streams.js';
import { createLogger } from '../../src/observability/logger.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { waitFor } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';

/** A registry with device d1 (sample interval 20 ms) on a real SQLite store, closed after the test. */
async function setup(t: TestContext) {
  const store = new SqliteStore(tempDir(t, 'core-test-'));
  await store.start();
  teardown(t, () => store.stop());
  const bus = new EventBus();
  const devices = new DeviceRegistry(store, new StreamLedger(), bus);
  await devices.register({ id: 'd1', name: 'D1', transport: 'line', sampleIntervalMs: 20 });
  const log = createLogger('silent');
  return { store, bus, devices, log };
}

test('presence goes online, stale after silence, online again on a heartbeat, offline on disconnect; all stored', async (t) => {
  const s = await setup(t);
  // Silence is measured on this clock, not the wall clock: the test moves it.
  let now = Date.now();
  const presence = new PresenceService(
    { devices: s.devices, bus: s.bus, store: s.store, log: s.log, clock: () => now },
    { staleFactor: 2, defaultIntervalMs: 60_000, checkIntervalMs: 10 },
  );
  teardown(t, () => presence.stop());
  const changes: PresenceChange[] = [];
  s.bus.on('presence', (c) => changes.push(c));
  presence.start();
  presence.online('d1', 'connected');
  now += 40; // silent for staleFactor × the 20 ms sample interval: not longer yet
  presence.checkStale();
  assert.equal(s.devices.get('d1')?.presence, 'online', 'not stale at exactly staleFactor intervals');
  now += 1;
  await waitFor('the stale check to run', () => s.devices.get('d1')?.presence === 'stale', 2_000);
  now += 1;
  presence.heard('d1');
  now += 1;
  presence.offline('d1', 'last will');
  presence.offline('d1', 'again'); // no change, no event
  presence.stop();
  assert.deepEqual(
    changes.map((c) => `${c.previous}->${c.state}`),
    ['unknown->online', 'online->stale', 'stale->online', 'online->offline'],
  );
  assert.match(changes[1].reason, /^silent for \d+ s$/);
  await waitFor('history stored', async () => (await s.store.presenceHistory('d1', 10)).length === 4);
  const history = await s.store.presenceHistory('d1', 10);
  assert.deepEqual(
    history.map((h) => h.state),
    ['offline', 'online', 'stale', 'online'],
  );
});

test('commands: queued then sent by the sink, acked or failed by the device, expired without an answer; redelivered on reconnect', async (t) => {
  const s = await setup(t);
  // Expiry is measured on this clock, not the wall clock: the test moves it.
  let now = Date.now();
  const commands = new CommandService({ devices: s.devices, bus: s.bus, store: s.store, log: s.log, clock: () => now });
  teardown(t, () => commands.stop());
  const states: string[] = [];
  s.bus.on('command', (c) => states.push(`${c.action}:${c.state}`));
  let reachable = true;
  const delivered: Command[] = [];
  commands.acceptKind('line');
  commands.attach('d1', {
    deliver: async (c) => {
      delivered.push({ ...c });
      return reachable;
    },
  });
  await commands.start();

  const a = await commands.create({ deviceId: 'd1', action: 'on', params: { led: true }, timeoutMs: 5_000 });
  await commands.ack('d1', a.id, { ok: true });
  await commands.ack('d1', a.id, { ok: false, error: 'late duplicate answer' }); // ignored
  const b = await commands.create({ deviceId: 'd1', action: 'bad', timeoutMs: 5_000 });
  await commands.ack('d1', b.id, { ok: false, error: 'unknown action' });

  reachable = false;
  const c = await commands.create({ deviceId: 'd1', action: 'later', timeoutMs: 5_000 });
  assert.equal(commands.get(c.id)?.state, 'queued');
  reachable = true;
  await commands.redeliver('d1');
  assert.equal(commands.get(c.id)?.state, 'sent');
  assert.equal(delivered.filter((d) => d.id === c.id).length, 2);

  const d = await commands.create({ deviceId: 'd1', action: 'never', timeoutMs: 30 });
  now += 29;
  await commands.expireDue();
  assert.equal(commands.get(d.id)?.state, 'sent', 'not expired before its time');
  now += 1;
  await commands.expireDue();
  assert.equal(commands.get(d.id), undefined, 'expired, and no longer open');
  commands.stop();

  assert.deepEqual(states, [
    'on:queued',
    'on:sent',
    'on:acked',
    'bad:queued',
    'bad:sent',
    'bad:failed',
    'later:queued',
    'later:sent',
    'never:queued',
    'never:sent',
    'never:expired',
  ]);
  const stored = await s.store.loadCommands({ deviceId: 'd1' });
  assert.equal(stored.find((x) => x.id === b.id)?.error, 'unknown action');
  assert.equal(stored.find((x) => x.id === d.id)?.state, 'expired');
  await assert.rejects(commands.create({ deviceId: 'ghost', action: 'x', timeoutMs: 10 }), /unknown device ghost/);
});

test('open commands survive a restart of the service', async (t) => {
  const s = await setup(t);
  const first = new CommandService({ devices: s.devices, bus: s.bus, store: s.store, log: s.log });
  first.acceptKind('line');
  first.attach('d1', { deliver: async () => true });
  await first.start();
  const cmd = await first.create({ deviceId: 'd1', action: 'x', timeoutMs: 60_000 });
  first.stop();
  const second = new CommandService({ devices: s.devices, bus: s.bus, store: s.store, log: s.log });
  await second.start();
  assert.equal(second.get(cmd.id)?.state, 'sent');
  assert.equal((await second.ack('d1', cmd.id, { ok: true }))?.state, 'acked');
  second.stop();
});
