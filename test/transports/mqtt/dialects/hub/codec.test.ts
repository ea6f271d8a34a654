// Topic scheme v1 decoding: what is accepted, and the reason given for what is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCommandAck, decodeMeta, decodeStatus, decodeTelemetry } from '../../../../../src/transports/mqtt/dialects/hub/codec.js';
import { deviceMaySubscribe, parseTopic } from '../../../../../src/transports/mqtt/dialects/hub/topics.js';

const buf = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));

test('telemetry: single and batch forms, with and without ts', () => {
  assert.deepEqual(decodeTelemetry(buf({ seq: 7, ts: 1763700000000, readings: { t: 21.5, h: 40 } })), {
    ok: true,
    value: {
      seq: 7,
      readings: [
        { metric: 't', value: 21.5, ts: 1763700000000, group: 0 },
        { metric: 'h', value: 40, ts: 1763700000000, group: 0 },
      ],
      refused: [],
    },
  });
  assert.deepEqual(decodeTelemetry(buf({ seq: 4294967295, readings: { t: 1 } })), {
    ok: true,
    value: { seq: 4294967295, readings: [{ metric: 't', value: 1, group: 0 }], refused: [] },
  });
  assert.deepEqual(decodeTelemetry(buf({ seq: 9, first: 7, readings: { t: 1 } })), {
    ok: true,
    value: { seq: 9, first: 7, readings: [{ metric: 't', value: 1, group: 0 }], refused: [] },
  });
  assert.match((decodeTelemetry(buf({ seq: 9, first: -1, readings: { t: 1 } })) as { detail: string }).detail, /first must be/);
  const batch = decodeTelemetry(buf({ seq: 0, batch: [{ ts: 1, readings: { a: 1 } }, { readings: { b: 2 } }] }));
  assert.ok(batch.ok);
  assert.deepEqual(batch.value.readings, [
    { metric: 'a', value: 1, ts: 1, group: 0 },
    { metric: 'b', value: 2, group: 1 },
  ]);
});

test('telemetry: a non-number value is refused alone, the rest is kept', () => {
  const decoded = decodeTelemetry(buf({ seq: 1, readings: { good: 1, bad: '2', nil: null } }));
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value.readings, [{ metric: 'good', value: 1, group: 0 }]);
  assert.deepEqual(
    decoded.value.refused.map((r) => r.metric),
    ['bad', 'nil'],
  );
  assert.match(decoded.value.refused[1].detail, /got null/);
});

test('telemetry: whole-message refusals name the problem', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['{not json', /malformed JSON/],
    ['[1,2]', /JSON object/],
    [{ readings: { a: 1 } }, /seq must be/],
    [{ seq: -1, readings: { a: 1 } }, /seq must be/],
    [{ seq: 2 ** 32, readings: { a: 1 } }, /seq must be/],
    [{ seq: 1.5, readings: { a: 1 } }, /seq must be/],
    [{ seq: 1, readings: {} }, /no readings/],
    [{ seq: 1, readings: [1] }, /readings must be an object/],
    [{ seq: 1, ts: 1.5, readings: { a: 1 } }, /ts must be an integer/],
    [{ seq: 1, batch: [] }, /non-empty array/],
    [{ seq: 1, batch: [null] }, /each batch entry/],
  ];
  for (const [payload, reason] of cases) {
    const decoded = decodeTelemetry(buf(payload));
    assert.equal(decoded.ok, false, JSON.stringify(payload));
    assert.match((decoded as { detail: string }).detail, reason);
  }
  const withSeq = decodeTelemetry(buf({ seq: 9, readings: 'x' }));
  assert.equal(!withSeq.ok && withSeq.seq, 9, 'the seq is reported back when it could be read');
});

test('status, meta and command acks', () => {
  assert.deepEqual(decodeStatus(buf('online')), { ok: true, value: 'online' });
  assert.deepEqual(decodeStatus(buf(' offline\n')), { ok: true, value: 'offline' });
  assert.equal(decodeStatus(buf('maybe')).ok, false);
  assert.deepEqual(
    decodeMeta(
      buf({
        firmware: '1.0',
        sampleIntervalMs: 1000,
        metrics: [{ name: 'power', unit: 'W' }],
        actuators: [{ name: 'relay', type: 'relay' }],
      }),
    ),
    {
      ok: true,
      value: {
        firmware: '1.0',
        sampleIntervalMs: 1000,
        metrics: [{ name: 'power', unit: 'W' }],
        actuators: [{ name: 'relay', type: 'relay' }],
      },
    },
  );
  assert.match((decodeMeta(buf({ sampleIntervalMs: 5 })) as { detail: string }).detail, /sampleIntervalMs/);
  assert.match((decodeMeta(buf({ actuators: [{ name: 'x', type: 'laser' }] })) as { detail: string }).detail, /led, relay, pwm or servo/);
  assert.deepEqual(decodeCommandAck(buf({ id: 'c1', ok: false, error: 'jammed' })), {
    ok: true,
    value: { id: 'c1', ok: false, error: 'jammed' },
  });
  assert.match((decodeCommandAck(buf({ id: 'c1', ok: 'yes' })) as { detail: string }).detail, /ok must be/);
});

test('topics: own device topics only; subscriptions only to the hub topics of the same device', () => {
  assert.deepEqual(parseTopic('devices/a-1/cmd/ack'), { ok: true, deviceId: 'a-1', kind: 'cmd/ack', direction: 'device' });
  assert.deepEqual(parseTopic('devices/a-1/ack'), { ok: true, deviceId: 'a-1', kind: 'ack', direction: 'hub' });
  assert.equal(parseTopic('devices/a-1/other').ok, false);
  assert.equal(parseTopic('devices/bad id/telemetry').ok, false);
  assert.equal(parseTopic('sensors/a-1/telemetry').ok, false);
  assert.equal(deviceMaySubscribe('a-1', 'devices/a-1/cmd'), true);
  assert.equal(deviceMaySubscribe('a-1', 'devices/a-1/telemetry'), false);
  assert.equal(deviceMaySubscribe('a-1', 'devices/b-2/cmd'), false);
  assert.equal(deviceMaySubscribe('a-1', 'devices/+/cmd'), false);
  assert.equal(deviceMaySubscribe('a-1', 'devices/a-1/#'), false);
});
