// Commands go to the device, not to its transport: a sink attached per device while it is
// connected, commands for a device without one held for redelivery, and kinds no transport
// carries refused at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError, CommandService, type CommandSink } from '../../src/core/commands.js';
import { DeviceRegistry } from '../../src/core/devices.js';
import { EventBus } from '../../src/core/events.js';
import type { Command } from '../../src/core/model.js';
import { StreamLedger } from '../../src/core/streams.js';
import { createLogger } from '../../src/observability/logger.js';

async function setup(saveCommand: (c: Command) => Promise<void> = async () => {}) {
  const bus = new EventBus();
  const states: string[] = [];
  bus.on('command', (c) => states.push(c.state));
  const devices = new DeviceRegistry({ loadDevices: async () => [], saveDevices: async () => {} }, new StreamLedger(), bus);
  await devices.register({ id: 'a', name: 'A', transport: 'line' });
  await devices.register({ id: 'b', name: 'B', transport: 'line' });
  await devices.register({ id: 'meter', name: 'Meter', transport: 'dsmr' });
  const commands = new CommandService({
    devices,
    bus,
    store: { saveCommand, loadCommands: async () => [] },
    log: createLogger('silent'),
  });
  commands.acceptKind('line');
  return { commands, states };
}

function recordingSink(): CommandSink & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    deliver: async (command: Command) => {
      got.push(command.action);
      return true;
    },
  };
}

const request = (deviceId: string, action: string) => ({ deviceId, action, timeoutMs: 60_000 });

test('each device gets its own commands through the sink attached for it', async () => {
  const { commands } = await setup();
  const a = recordingSink();
  const b = recordingSink();
  commands.attach('a', a);
  commands.attach('b', b);
  const one = await commands.create(request('a', 'one'));
  const two = await commands.create(request('b', 'two'));
  assert.deepEqual([a.got, b.got], [['one'], ['two']]);
  assert.deepEqual([one.state, two.state], ['sent', 'sent']);
});

test('a command for a device with no sink attached waits, and goes out on redelivery once one is', async () => {
  const { commands } = await setup();
  const held = await commands.create(request('a', 'held'));
  assert.equal(held.state, 'queued');
  const sink = recordingSink();
  commands.attach('a', sink);
  assert.deepEqual(sink.got, [], 'attaching delivers nothing by itself; the transport redelivers when the device is ready');
  await commands.redeliver('a');
  assert.deepEqual(sink.got, ['held']);
  assert.equal(commands.get(held.id)?.state, 'sent');
});

test("after detach the device's commands wait again", async () => {
  const { commands } = await setup();
  const sink = recordingSink();
  const detach = commands.attach('a', sink);
  assert.ok(detach);
  detach();
  const later = await commands.create(request('a', 'later'));
  await commands.redeliver('a');
  assert.deepEqual(sink.got, []);
  assert.equal(commands.get(later.id)?.state, 'queued');
});

test('a second sink for an attached device is refused until the first detaches; a stale detach leaves the new one', async () => {
  const { commands } = await setup();
  const first = recordingSink();
  const second = recordingSink();
  const detachFirst = commands.attach('a', first);
  assert.ok(detachFirst);
  assert.equal(commands.attach('a', second), null);
  assert.ok(commands.attach('a', first), 'the same sink attaching again is no conflict');
  await commands.create(request('a', 'to-first'));
  detachFirst();
  assert.ok(commands.attach('a', second));
  detachFirst();
  await commands.create(request('a', 'to-second'));
  assert.deepEqual([first.got, second.got], [['to-first'], ['to-second']]);
});

test('a kind no transport carries commands for is refused at once; an accepted kind is queued without a sink', async () => {
  const { commands } = await setup();
  await assert.rejects(
    commands.create(request('meter', 'x')),
    (err: unknown) => err instanceof CommandError && err.code === 'no_transport',
  );
  assert.equal((await commands.create(request('b', 'x'))).state, 'queued');
});

test('an answer that arrives before the transport confirms the delivery still shows the command sent, then acked', async () => {
  const { commands, states } = await setup();
  let confirm!: (delivered: boolean) => void;
  commands.attach('a', { deliver: () => new Promise<boolean>((resolve) => (confirm = resolve)) });
  const creating = commands.create(request('a', 'fast'));
  await new Promise((r) => setImmediate(r));
  const command = commands.pending('a')[0]!;
  await commands.ack('a', command.id, { ok: true });
  confirm(true);
  await creating;
  assert.deepEqual(states, ['queued', 'sent', 'acked']);
  assert.equal(command.state, 'acked');
});

test('an answer that arrives while `sent` is still being stored is stored and announced after it, in order', async () => {
  const stored: string[] = [];
  let slowWrites = true;
  const { commands, states } = await setup(async (c) => {
    const state = c.state;
    // The first writes take a while, as a store on a busy disk or another thread may.
    if (slowWrites) await new Promise((r) => setTimeout(r, 30));
    stored.push(state);
  });
  commands.attach('a', { deliver: async () => true });
  const creating = commands.create(request('a', 'refused'));
  await new Promise((r) => setTimeout(r, 40)); // `queued` stored; `sent` being stored
  const command = commands.pending('a')[0]!;
  slowWrites = false;
  await commands.ack('a', command.id, { ok: false, error: 'no such relay' });
  await creating;
  assert.deepEqual(stored, ['queued', 'sent', 'failed']);
  assert.deepEqual(states, ['queued', 'sent', 'failed']);
});
