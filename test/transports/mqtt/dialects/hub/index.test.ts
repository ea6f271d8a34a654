// The hub's own MQTT convention as a dialect session: which topics a device may publish and
// subscribe to, what each carries, and how a command goes out and is answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../../../../src/transports/mqtt/dialects/index.js';
import { hubDialect } from '../../../../../src/transports/mqtt/dialects/hub/index.js';
import type { Command } from '../../../../../src/core/model.js';

const session = hubDialect.open('a-1', hubDialect.defaultTopic('a-1'));
const buf = (text: string) => Buffer.from(text);

test('the broker speaks the hub dialect, under devices/{id}', () => {
  assert.equal(DIALECTS.hub, hubDialect);
  assert.equal(hubDialect.defaultTopic('a-1'), 'devices/a-1');
  assert.equal(hubDialect.describe('devices/a-1'), 'devices/{id}/');
});

test('a device publishes its own telemetry, status, meta and command answers', () => {
  for (const kind of ['telemetry', 'telemetry/temperature', 'status', 'meta', 'cmd/ack']) {
    assert.deepEqual(session.route(`devices/a-1/${kind}`), { ok: true }, kind);
  }
});

test('other topics are refused with their code', () => {
  const code = (topic: string) => {
    const route = session.route(topic);
    return route.ok ? 'ok' : route.code;
  };
  assert.equal(code('devices/b-2/telemetry'), 'foreign_topic');
  assert.equal(code('devices/a-1/cmd'), 'hub_topic');
  assert.equal(code('devices/a-1/firmware'), 'bad_topic');
  assert.equal(code('devices/a-1/telemetry/a/b'), 'bad_topic');
  assert.equal(code('devices/bad id/telemetry'), 'bad_topic');
  assert.equal(code('devices/a-1'), 'bad_topic');
  assert.equal(code('tele/a-1/SENSOR'), 'bad_topic');
});

test('payloads decode to hub input by topic', () => {
  assert.deepEqual(session.decode('devices/a-1/status', buf('online'), 0), { ok: true, value: [{ kind: 'status', status: 'online' }] });
  assert.deepEqual(session.decode('devices/a-1/cmd/ack', buf('{"id":"c-1","ok":false,"error":"jammed"}'), 0), {
    ok: true,
    value: [{ kind: 'answer', key: 'c-1', ok: false, error: 'jammed' }],
  });
  const telemetry = session.decode('devices/a-1/telemetry', buf('{"seq": 3, "readings": {"t": 1}}'), 0);
  assert.ok(telemetry.ok && telemetry.value[0].kind === 'telemetry' && telemetry.value[0].telemetry.seq === 3);
  const plain = session.decode('devices/a-1/telemetry/t', buf('4.5'), 0);
  assert.deepEqual(plain, { ok: true, value: [{ kind: 'readings', readings: [{ metric: 't', value: 4.5 }], refused: [] }] });
  const meta = session.decode('devices/a-1/meta', buf('{"metrics":[{"name":"t","unit":"°C"}]}'), 0);
  assert.ok(meta.ok && meta.value[0].kind === 'meta' && meta.value[0].meta.metrics?.[0].unit === '°C');
});

test('a device subscribes to its own ack, cmd and error only; ack asks for the head, cmd for commands', () => {
  assert.equal(session.maySubscribe('devices/a-1/error'), true);
  assert.equal(session.maySubscribe('devices/a-1/#'), false);
  assert.equal(session.maySubscribe('devices/b-2/cmd'), false);
  assert.deepEqual(session.subscribed('devices/a-1/ack'), { resume: true, commands: false });
  assert.deepEqual(session.subscribed('devices/a-1/cmd'), { resume: false, commands: true });
});

test('a command goes out on cmd and is settled by the answer with its id', () => {
  const command: Command = {
    id: 'c-9',
    deviceId: 'a-1',
    action: 'set',
    params: { relay: true },
    state: 'queued',
    createdAt: 1,
    updatedAt: 1,
    expiresAt: 30_001,
  };
  const plan = session.command(command);
  assert.ok(plan.ok);
  assert.equal(plan.answer, 'c-9');
  assert.deepEqual(plan.publishes, [
    { topic: 'devices/a-1/cmd', payload: JSON.stringify({ id: 'c-9', action: 'set', params: { relay: true }, expiresAt: 30_001 }) },
  ]);
});
