// Topic scheme v1 decoding: what is accepted, and the reason given for what is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeCommandAck,
  decodeMeta,
  decodeStatus,
  decodeTelemetry,
  decodeValue,
} from '../../../../../src/transports/mqtt/dialects/hub/codec.js';
import { deviceMaySubscribe, parseTopic } from '../../../../../src/transports/mqtt/dialects/hub/topics.js';

const buf = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));
/** The stream message of an accepted telemetry payload. */
const stream = (decoded: ReturnType<typeof decodeTelemetry>) => {
  assert.ok(decoded.ok && decoded.value.length === 1 && decoded.value[0].kind === 'telemetry', JSON.stringify(decoded));
  return decoded.value[0].telemetry;
};

test('telemetry: single and batch forms, with and without ts', () => {
  assert.deepEqual(stream(decodeTelemetry(buf({ seq: 7, ts: 1763700000000, readings: { t: 21.5, h: 40 } }))), {
    seq: 7,
    readings: [
      { metric: 't', value: 21.5, ts: 1763700000000, group: 0 },
      { metric: 'h', value: 40, ts: 1763700000000, group: 0 },
    ],
    refused: [],
  });
  assert.deepEqual(stream(decodeTelemetry(buf({ seq: 4294967295, readings: { t: 1 } }))), {
    seq: 4294967295,
    readings: [{ metric: 't', value: 1, group: 0 }],
    refused: [],
  });
  assert.deepEqual(stream(decodeTelemetry(buf({ seq: 9, first: 7, readings: { t: 1 } }))), {
    seq: 9,
    first: 7,
    readings: [{ metric: 't', value: 1, group: 0 }],
    refused: [],
  });
  assert.match((decodeTelemetry(buf({ seq: 9, first: -1, readings: { t: 1 } })) as { detail: string }).detail, /first must be/);
  const batch = stream(decodeTelemetry(buf({ seq: 0, batch: [{ ts: 1, readings: { a: 1 } }, { readings: { b: 2 } }] })));
  assert.deepEqual(batch.readings, [
    { metric: 'a', value: 1, ts: 1, group: 0 },
    { metric: 'b', value: 2, group: 1 },
  ]);
});

test('telemetry: a non-number value is refused alone, the rest is kept', () => {
  const decoded = stream(decodeTelemetry(buf({ seq: 1, readings: { good: 1, bad: '2', nil: null } })));
  assert.deepEqual(decoded.readings, [{ metric: 'good', value: 1, group: 0 }]);
  assert.deepEqual(
    decoded.refused.map((r) => r.metric),
    ['bad', 'nil'],
  );
  assert.match(decoded.refused[1].detail, /got null/);
});

test('telemetry: whole-message refusals name the problem', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['{not json', /malformed JSON/],
    ['[1,2]', /JSON object/],
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

test('telemetry without seq: best-effort readings in the stream forms, flat, and as a plain number per metric', () => {
  const bestEffort = (decoded: ReturnType<typeof decodeTelemetry>) => {
    assert.ok(decoded.ok && decoded.value[0].kind === 'readings', JSON.stringify(decoded));
    return decoded.value[0];
  };
  assert.deepEqual(bestEffort(decodeTelemetry(buf({ temperature: 23 }))).readings, [{ metric: 'temperature', value: 23, group: 0 }]);
  assert.deepEqual(bestEffort(decodeTelemetry(buf({ temperature: 23, ts: 1763700000000 }))).readings, [
    { metric: 'temperature', value: 23, ts: 1763700000000, group: 0 },
  ]);
  assert.deepEqual(bestEffort(decodeTelemetry(buf({ readings: { t: 1, h: 'x' } }))), {
    kind: 'readings',
    readings: [{ metric: 't', value: 1, group: 0 }],
    refused: [{ metric: 'h', detail: 'value must be a number, got string' }],
  });
  assert.equal(bestEffort(decodeTelemetry(buf({ batch: [{ readings: { a: 1 } }, { readings: { a: 2 } }] }))).readings.length, 2);
  const withFirst = decodeTelemetry(buf({ first: 3, readings: { a: 1 } }));
  assert.ok(!withFirst.ok && /with seq/.test(withFirst.detail));
  assert.equal(decodeTelemetry(buf({})).ok, false, 'an empty object holds no readings');
  assert.deepEqual(decodeValue('temperature', buf(' 21.5\n')), {
    ok: true,
    value: [{ kind: 'readings', readings: [{ metric: 'temperature', value: 21.5 }], refused: [] }],
  });
  for (const bad of ['', 'ON', '1e999', '{"v":1}']) {
    const decoded = decodeValue('t', buf(bad));
    assert.ok(!decoded.ok && decoded.code === 'bad_value', bad);
  }
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
  assert.deepEqual(
    decodeMeta(
      buf({
        metrics: [
          { name: 'energy', unit: 'kWh', kind: 'counter' },
          { name: 'power', kind: 'gauge' },
        ],
      }),
    ),
    {
      ok: true,
      value: {
        metrics: [
          { name: 'energy', unit: 'kWh', kind: 'counter' },
          { name: 'power', kind: 'gauge' },
        ],
        actuators: [],
      },
    },
  );
  assert.match((decodeMeta(buf({ metrics: [{ name: 'energy', kind: 'total' }] })) as { detail: string }).detail, /"gauge" or "counter"/);
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
