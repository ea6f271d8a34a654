// The WebSocket control channel with the `ws` client against the simulator's devices (real MQTT
// devices on the embedded broker, so commands travel the MQTT command path): a command goes
// queued → sent → acked, a halted device's command expires, a device's refusal comes back as
// failed; viewer tokens and foreign origins are refused; bad messages get coded errors and the
// connection lives on; a repeated requestId never makes a second command.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';

let t: TestHub;
let operator: string;
let viewer: string;

before(async () => {
  t = await startHub({ auth: 'on', simulate: 3, simulateIntervalMs: 200 });
  operator = (await t.hub.tokens.add('operator')).token;
  viewer = (await t.hub.tokens.add('viewer')).token;
});
after(() => t.stop());

interface Client {
  ws: WebSocket;
  messages: any[];
  send(msg: unknown): void;
  /** Waits until `count` messages for `requestId` (or all, when null) have arrived. */
  until(count: number, requestId?: string | null): Promise<any[]>;
}

function controlUrl(token?: string): string {
  return `${t.url.replace('http', 'ws')}/api/control${token ? `?token=${token}` : ''}`;
}

/** A control channel connection, closed after the test. */
async function connect(ctx: TestContext, token: string, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(controlUrl(token), { headers });
  teardown(ctx, () => ws.close());
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const forRequest = (id: string | null | undefined) => messages.filter((m) => id === undefined || m.requestId === id);
  return {
    ws,
    messages,
    send: (msg) => ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg)),
    until: (count, requestId) => waitFor(`${count} messages`, () => (forRequest(requestId).length >= count ? forRequest(requestId) : null)),
  };
}

/** The HTTP status a refused upgrade answered with. */
function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

test('a command to a simulated device goes queued → sent → acked', async (ctx) => {
  assert.equal(t.hub.devices.get('sim-002')?.transport, 'mqtt');
  const c = await connect(ctx, operator);
  c.send({ type: 'command', requestId: 'r-ack', device: 'sim-002', action: 'set', params: { relay: true }, timeoutMs: 5_000 });
  const msgs = await waitFor('the acked state', async () => {
    const got = await c.until(1, 'r-ack');
    return got.at(-1).command.state === 'acked' ? got : null;
  });
  assert.deepEqual(
    msgs.map((m) => m.type),
    ['command', 'command', 'command'],
  );
  assert.deepEqual(
    msgs.map((m) => m.command.state),
    ['queued', 'sent', 'acked'],
  );
  const ids = new Set(msgs.map((m) => m.command.id));
  assert.equal(ids.size, 1);
  assert.deepEqual(msgs[0].command.params, { relay: true });
  assert.equal(msgs[0].command.deviceId, 'sim-002');
});

test('a command to a halted (offline) device expires; a refused one fails with the device error', async (ctx) => {
  assert.ok(t.hub.simulator!.halt('sim-001'));
  const c = await connect(ctx, operator);
  c.send({ type: 'command', requestId: 'r-exp', device: 'sim-001', action: 'set', params: { relay: false }, timeoutMs: 300 });
  c.send({ type: 'command', requestId: 'r-fail', device: 'sim-003', action: 'set', params: { relay: 'maybe' }, timeoutMs: 5_000 });
  const expired = await waitFor('expiry', () => {
    const got = c.messages.filter((m) => m.requestId === 'r-exp');
    return got.at(-1)?.command.state === 'expired' ? got : null;
  });
  assert.deepEqual(
    expired.map((m) => m.command.state),
    ['queued', 'expired'],
  );
  assert.match(expired[1].command.error, /expired/);
  const failed = await waitFor('failure', () => {
    const got = c.messages.filter((m) => m.requestId === 'r-fail');
    return got.at(-1)?.command.state === 'failed' ? got : null;
  });
  assert.deepEqual(
    failed.map((m) => m.command.state),
    ['queued', 'sent', 'failed'],
  );
  assert.equal(failed[2].command.error, 'params.relay must be true or false');
});

test('a viewer token, a missing token and a foreign origin are refused before the upgrade', async (ctx) => {
  assert.equal(await refusedStatus(controlUrl(viewer)), 403);
  assert.equal(await refusedStatus(controlUrl()), 401);
  assert.equal(await refusedStatus(controlUrl(operator), { origin: 'http://evil.example' }), 403);
  // A browser on the hub's own origin is fine.
  const own = await connect(ctx, operator, { origin: t.url });
  own.ws.close();
});

test('invalid messages get coded errors and the connection survives them', async (ctx) => {
  const c = await connect(ctx, operator);
  c.send('{not json');
  c.send({ type: 'launch', requestId: 'r-x' });
  c.send({ type: 'command', device: 'sim-002', action: 'set' });
  c.send({ type: 'command', requestId: 'r-dev', device: 'no such device', action: 'set' });
  c.send({ type: 'command', requestId: 'r-unknown', device: 'ghost', action: 'set' });
  c.send({ type: 'command', requestId: 'r-timeout', device: 'sim-002', action: 'set', timeoutMs: 5 });
  c.send({ type: 'command', requestId: 'r-params', device: 'sim-002', action: 'set', params: [1, 2] });
  c.send(Buffer.from([1, 2, 3]));
  c.send({ type: 'command', requestId: 'r-huge', device: 'sim-002', action: 'set', params: { relay: 'x'.repeat(20_000) } });
  c.send({ type: 'ping' });
  const msgs = await c.until(10);
  const errors = msgs.filter((m) => m.type === 'error');
  // Answers to valid-looking commands come after the command service answers, so compare as sets.
  assert.deepEqual(
    errors.map((e) => `${e.requestId}:${e.code}`).sort(),
    [
      'null:bad_json',
      'r-x:unknown_type',
      'null:bad_request',
      'r-dev:bad_request',
      'r-timeout:bad_request',
      'r-params:bad_request',
      'null:bad_request',
      'r-unknown:unknown_device',
      'r-huge:bad_request',
    ].sort(),
  );
  for (const e of errors) assert.ok(typeof e.message === 'string' && e.message.length > 0);
  assert.match(errors.find((e) => e.requestId === 'r-huge').message, /params must be at most 16384 characters/);
  assert.ok(msgs.some((m) => m.type === 'pong'));
  assert.ok(t.hub.metrics.registry.render().includes('hub_live_control_errors_total{code="bad_json"} 1'));
});

test('a repeated requestId returns the same command instead of making another', async (ctx) => {
  const before = (await t.hub.store.loadCommands({ deviceId: 'sim-002' })).length;
  const first = await connect(ctx, operator);
  const second = await connect(ctx, operator);
  const request = { type: 'command', requestId: 'r-once', device: 'sim-002', action: 'set', params: { relay: false }, timeoutMs: 5_000 };
  first.send(request);
  first.send(request);
  await waitFor('acked on the first connection', () => first.messages.some((m) => m.command?.state === 'acked'));
  second.send(request);
  const again = await waitFor('the replay', () => (second.messages.at(-1)?.command?.state === 'acked' ? second.messages : null));
  const ids = new Set([...first.messages, ...again].map((m) => m.command.id));
  assert.equal(ids.size, 1);
  assert.deepEqual(
    again.map((m) => m.command.state),
    ['queued', 'sent', 'acked'],
  );
  assert.equal((await t.hub.store.loadCommands({ deviceId: 'sim-002' })).length, before + 1);
});

test('a peer that stops answering protocol pings is dropped; one that answers stays', async (ctx) => {
  const own = await startHub(ctx, { liveHeartbeatMs: 300 });
  const url = `${own.url.replace('http', 'ws')}/api/control`;
  const silent = new WebSocket(url, { autoPong: false });
  const lively = new WebSocket(url);
  teardown(ctx, () => {
    silent.terminate();
    lively.terminate();
  });
  const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
  await Promise.all([silent, lively].map((ws) => new Promise((r) => ws.once('open', r))));
  const code = await closed;
  assert.equal(code, 1006, 'terminated without a closing handshake');
  assert.equal(lively.readyState, WebSocket.OPEN);
  const pong = new Promise((resolve) => lively.once('message', (d) => resolve(JSON.parse(d.toString()))));
  lively.send(JSON.stringify({ type: 'ping' }));
  assert.deepEqual(await pong, { type: 'pong' });
});
