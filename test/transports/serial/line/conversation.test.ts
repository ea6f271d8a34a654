// A line conversation takes its device's commands from the hello until its port closes, so a
// board moved to another port is served there, while two ports open at once never share an id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandService } from '../../../../src/core/commands.js';
import { DeviceRegistry } from '../../../../src/core/devices.js';
import { EventBus } from '../../../../src/core/events.js';
import { StreamLedger } from '../../../../src/core/streams.js';
import { createLogger } from '../../../../src/observability/logger.js';
import type { TransportContext } from '../../../../src/transports/context.js';
import { LineConversation } from '../../../../src/transports/serial/line/conversation.js';
import { encodeFrame } from '../../../../src/transports/serial/line/framing.js';
import { waitFor } from '../../../helpers/hub.js';

const log = createLogger('silent');

function hub() {
  const bus = new EventBus();
  const devices = new DeviceRegistry({ loadDevices: async () => [], saveDevices: async () => {} }, new StreamLedger(), bus);
  const commands = new CommandService({ devices, bus, store: { saveCommand: async () => {}, loadCommands: async () => [] }, log });
  commands.acceptKind('line');
  const ctx: TransportContext = {
    bus,
    devices,
    commands,
    log,
    streams: new StreamLedger(),
    ingest: { submit: () => assert.fail('no telemetry in these tests'), settled: async () => ({ h: null }), declareOldest: () => null },
    presence: { online() {}, offline() {}, heard() {} },
  };
  return { ctx, commands };
}

/** A port with a conversation on it; `heard` holds the frame bodies the hub wrote. */
function port(ctx: TransportContext) {
  const heard: string[] = [];
  const wire = { isOpen: true, write: async (bytes: Buffer) => void heard.push(bytes.toString().replace(/\*[0-9A-F]{2}\n$/, '')) };
  const conversation = new LineConversation(ctx, {}, wire, log);
  conversation.opened();
  const say = (body: string) => conversation.line(encodeFrame(body).subarray(0, -1));
  const hears = (pattern: RegExp) => waitFor(`a frame ${pattern}`, () => heard.find((b) => pattern.test(b)));
  return { conversation, heard, say, hears };
}

const HELLO = 'hello bench-9 proto=1 a=valve:relay';

test('a board moved to another port takes its commands there once the first port has closed', async () => {
  const { ctx, commands } = hub();
  const first = port(ctx);
  first.say(HELLO);
  await first.hears(/^welcome/);
  const one = await commands.create({ deviceId: 'bench-9', action: 'set', params: { valve: true }, timeoutMs: 60_000 });
  await first.hears(new RegExp(`^cmd ${one.id} set valve=1$`));

  const second = port(ctx);
  second.say(HELLO);
  await second.hears(/^err id_in_use/);

  first.conversation.closed('unplugged');
  second.say(HELLO);
  await second.hears(/^welcome/);
  const two = await commands.create({ deviceId: 'bench-9', action: 'set', params: { valve: false }, timeoutMs: 60_000 });
  await second.hears(new RegExp(`^cmd ${two.id} set valve=0$`));
  assert.equal(first.heard.filter((b) => b.startsWith('cmd ')).length, 1, 'the closed port got no more commands');
  await first.conversation.stop();
  await second.conversation.stop();
});

test('a command for a device whose port closed waits, and goes out after its next hello', async () => {
  const { ctx, commands } = hub();
  const line = port(ctx);
  line.say(HELLO);
  await line.hears(/^welcome/);
  line.conversation.closed('unplugged');
  const held = await commands.create({ deviceId: 'bench-9', action: 'set', params: { valve: true }, timeoutMs: 60_000 });
  assert.equal(held.state, 'queued');
  line.conversation.opened();
  line.say(HELLO);
  await line.hears(new RegExp(`^cmd ${held.id} set valve=1$`));
  await line.conversation.stop();
});
