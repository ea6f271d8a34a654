// Commands on the device client against a real hub: a command redelivered while its handler
// still runs is applied once and every delivery answered, on the live connection, with no
// unhandled rejection; a restarted device process (same queue file) answers a command it had
// already applied from its answers file instead of applying it again; the file stays bounded.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';
import { DeviceClient, type DeviceClientOptions } from '../../src/device-client/client.js';
import { CommandAnswers } from '../../src/device-client/commands.js';

/** Fails the test on any unhandled rejection while it runs. */
function watchRejections(t: TestContext): unknown[] {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  return seen;
}

/** A device client on the hub, stopped after the test (before the hub: teardown runs last-in first-out). */
function client(t: TestContext, h: TestHub, options: Omit<DeviceClientOptions, 'url'>): DeviceClient {
  const device = new DeviceClient({ url: h.hub.mqtt.url, reconnectDelayMs: 50, ...options });
  teardown(t, () => device.stop());
  return device;
}

async function stateOf(h: TestHub, deviceId: string, id: string): Promise<string | undefined> {
  return (await h.hub.store.loadCommands({ deviceId })).find((c) => c.id === id)?.state;
}

test('a command redelivered while its handler runs is applied once and answered; no unhandled rejection', async (t) => {
  const rejections = watchRejections(t);
  const h = await startHub(t);
  const key = (await h.hub.credentials.provision('relay-r')).key;
  let applied = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const device: DeviceClient = client(t, h, {
    deviceId: 'relay-r',
    key,
    onCommand: async () => {
      applied += 1;
      // The connection dies while the relay is still switching; the hub redelivers on reconnect.
      if (applied === 1) device.cut();
      await gate;
      return { ok: true };
    },
  });
  const deliveries: string[] = [];
  device.on('command', (c) => deliveries.push(c.id));
  await device.start();
  const cmd = await h.hub.commands.create({ deviceId: 'relay-r', action: 'set', params: { relay: true }, timeoutMs: 30_000 });
  await waitFor('the redelivery after the reconnect', () => deliveries.length >= 2 && device.connected);
  assert.equal(applied, 1, 'the redelivery joined the running handler');
  release();
  await waitFor('the command acked', async () => (await stateOf(h, 'relay-r', cmd.id)) === 'acked');
  // Another redelivery (the device reconnects once more) is answered from memory.
  device.cut();
  await waitFor('reconnected', () => device.connected);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(applied, 1, 'applied exactly once');
  assert.deepEqual(rejections, []);
});

test('a restarted device process answers an already applied command from its file, without applying it again', async (t) => {
  const rejections = watchRejections(t);
  const dir = tempDir(t, 'device-commands-');
  const h = await startHub(t);
  const key = (await h.hub.credentials.provision('relay-p')).key;
  const queueFile = join(dir, 'queue.jsonl');
  let appliedBefore = 0;
  const before: DeviceClient = client(t, h, {
    deviceId: 'relay-p',
    key,
    queueFile,
    onCommand: () => {
      appliedBefore += 1;
      // The process dies right after switching: its answer never reaches the hub.
      before.cut({ stay: true });
      return { ok: false, error: 'relay stuck' };
    },
  });
  await before.start();
  const cmd = await h.hub.commands.create({ deviceId: 'relay-p', action: 'set', params: { relay: true }, timeoutMs: 30_000 });
  await waitFor('applied on the first process', () => appliedBefore === 1);
  await waitFor(
    'the answer recorded',
    () => existsSync(`${queueFile}.commands`) && readFileSync(`${queueFile}.commands`, 'utf8').includes(cmd.id),
  );
  assert.notEqual(await stateOf(h, 'relay-p', cmd.id), 'failed', 'the hub never got the answer');

  let appliedAfter = 0;
  const after = client(t, h, {
    deviceId: 'relay-p',
    key,
    queueFile,
    onCommand: () => {
      appliedAfter += 1;
      return { ok: true };
    },
  });
  await after.start();
  await waitFor('the redelivered command answered', async () => (await stateOf(h, 'relay-p', cmd.id)) === 'failed');
  const stored = (await h.hub.store.loadCommands({ deviceId: 'relay-p' })).find((c) => c.id === cmd.id);
  assert.equal(stored?.error, 'relay stuck', 'answered with the first result');
  assert.equal(appliedAfter, 0, 'not applied again after the restart');
  assert.equal(appliedBefore, 1);
  assert.deepEqual(rejections, []);
});

test('the answers file keeps the last 1000 answers and survives a reload', (t) => {
  const dir = tempDir(t, 'device-answers-');
  const file = join(dir, 'answers');
  const answers = new CommandAnswers(file);
  answers.load();
  for (let i = 0; i < 1005; i++) answers.record(`c${i}`, i % 2 === 0 ? { ok: true } : { ok: false, error: `e${i}` });
  const reloaded = new CommandAnswers(file);
  reloaded.load();
  assert.equal(reloaded.size, 1000);
  assert.equal(reloaded.get('c4'), undefined, 'the oldest are forgotten');
  assert.deepEqual(reloaded.get('c5'), { ok: false, error: 'e5' });
  assert.deepEqual(reloaded.get('c1004'), { ok: true });
  assert.equal(existsSync(`${file}.tmp`), false, 'written through a temporary file renamed over it');
});
