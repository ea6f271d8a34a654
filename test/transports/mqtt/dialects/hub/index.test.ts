// The hub's own MQTT convention as a dialect: which topics a device may publish and subscribe
// to, what each carries, and that the broker's list of dialects holds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../../../../src/transports/mqtt/dialects/index.js';
import { hubDialect } from '../../../../../src/transports/mqtt/dialects/hub/index.js';

test('the broker speaks the hub dialect', () => {
  assert.deepEqual(
    DIALECTS.map((d) => d.kind),
    ['hub'],
  );
  assert.equal(hubDialect.topics, 'devices/{id}/');
});

test('a device publishes its own telemetry, status, meta and command answers', () => {
  assert.deepEqual(hubDialect.route('a-1', 'devices/a-1/telemetry'), { ok: true, input: 'telemetry' });
  assert.deepEqual(hubDialect.route('a-1', 'devices/a-1/status'), { ok: true, input: 'status' });
  assert.deepEqual(hubDialect.route('a-1', 'devices/a-1/meta'), { ok: true, input: 'meta' });
  assert.deepEqual(hubDialect.route('a-1', 'devices/a-1/cmd/ack'), { ok: true, input: 'commandAck' });
});

test('other topics under devices/ are refused with their code; topics outside are not its own', () => {
  const code = (topic: string) => {
    const route = hubDialect.route('a-1', topic);
    return route && !route.ok ? route.code : route;
  };
  assert.equal(code('devices/b-2/telemetry'), 'foreign_topic');
  assert.equal(code('devices/a-1/cmd'), 'hub_topic');
  assert.equal(code('devices/a-1/firmware'), 'bad_topic');
  assert.equal(code('devices/bad id/telemetry'), 'bad_topic');
  assert.equal(code('devices/a-1'), 'bad_topic');
  assert.equal(hubDialect.route('a-1', 'tele/a-1/SENSOR'), null);
  assert.equal(hubDialect.route('a-1', 'devices'), null);
});

test('a device subscribes to its own ack, cmd and error only, and payloads decode to hub input', () => {
  assert.equal(hubDialect.maySubscribe('a-1', 'devices/a-1/error'), true);
  assert.equal(hubDialect.maySubscribe('a-1', 'devices/a-1/#'), false);
  assert.deepEqual(hubDialect.decode.status(Buffer.from('online')), { ok: true, value: 'online' });
  const telemetry = hubDialect.decode.telemetry(Buffer.from('{"seq": 3, "readings": {"t": 1}}'));
  assert.ok(telemetry.ok);
  assert.equal(telemetry.value.seq, 3);
});
