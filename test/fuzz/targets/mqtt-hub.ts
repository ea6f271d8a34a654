// The hub's own MQTT dialect (src/transports/mqtt/dialects/hub/codec.ts): one target per
// decoder, each fed publishes on its topic (decodeTelemetry, decodeValue, decodeStatus,
// decodeMeta, decodeCommandAck). Payloads are JSON shaped like the documented ones with fields
// of any type and at their limits, those mutated byte by byte, and random bytes.
import fc from 'fast-check';
import { ACTUATOR_TYPES } from '../../../src/core/model.js';
import { hubDialect } from '../../../src/transports/mqtt/dialects/hub/index.js';
import { anyJson, anyText, metricLike, numberText } from '../tokens.js';
import { dialectTargets, payloads, topics, type Publish } from './mqtt-dialect.js';

const ID = 'fz-1';
const OTHER_TOPICS = [
  `devices/other/telemetry`,
  `devices/${ID}/ack`,
  `devices/${ID}/cmd`,
  'devices//telemetry',
  `devices/${ID}`,
  `devices/${ID}/nope`,
];

const json = (value: fc.Arbitrary<unknown>) => value.map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
const optional = <T>(value: fc.Arbitrary<T>, present = 2, absent = 1) =>
  fc.oneof({ weight: present, arbitrary: value }, { weight: absent, arbitrary: fc.constant(undefined) });
/** Mostly text within a limit, sometimes one over it. */
const textUpTo = (limit: number) =>
  fc.oneof({ weight: 8, arbitrary: anyText(Math.min(limit, 30)) }, { weight: 1, arbitrary: fc.constant('x'.repeat(limit + 1)) });

const seqLike = fc.oneof(
  { weight: 8, arbitrary: fc.nat({ max: 1000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 4294967295, 4294967296, -1, 1.5, '7', null) },
  { weight: 1, arbitrary: anyJson },
);
const tsLike = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 946684800000, max: 4102444800000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 1e300, '1763700000000', null) },
  { weight: 1, arbitrary: anyJson },
);
/** Mostly what the field should hold, sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
const valueLike = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 1e15, 1e16, -1e300, Number.MAX_VALUE) },
  { weight: 1, arbitrary: anyJson },
);
const readingsLike = mostly(fc.dictionary(metricLike, valueLike, { maxKeys: 6 }));
const group = fc.record({ ts: optional(tsLike), readings: readingsLike }, { requiredKeys: [] });

/** Over MAX_READINGS_PER_MESSAGE readings: the limit has to be met now and then, not only in theory. */
const HUGE = Buffer.from(JSON.stringify({ seq: 1, readings: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`m${i}`, i])) }));

const telemetry = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      { seq: optional(seqLike), first: optional(seqLike, 1, 4), ts: optional(tsLike), readings: readingsLike },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      { seq: optional(seqLike), first: optional(seqLike, 1, 4), batch: mostly(fc.array(group, { maxLength: 5 })) },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.dictionary(metricLike, valueLike, { maxKeys: 5 }), optional(tsLike))
      .map(([flat, ts]) => (ts === undefined ? flat : { ...flat, ts })),
  },
  { weight: 1, arbitrary: anyJson },
);

const meta = fc.record(
  {
    name: mostly(textUpTo(200)),
    firmware: mostly(textUpTo(100)),
    sampleIntervalMs: mostly(
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 10, max: 86_400_000 }) },
        { weight: 1, arbitrary: fc.constantFrom(9, 86_400_001, 1.5) },
      ),
    ),
    metrics: mostly(
      fc.array(fc.record({ name: mostly(metricLike), unit: mostly(textUpTo(32)) }, { requiredKeys: ['name'] }), { maxLength: 4 }),
    ),
    actuators: mostly(
      fc.array(
        fc.record({
          name: mostly(metricLike),
          type: mostly(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ACTUATOR_TYPES) }, { weight: 1, arbitrary: anyText(6) })),
        }),
        { maxLength: 3 },
      ),
    ),
  },
  { requiredKeys: [] },
);

const commandAck = fc.record(
  {
    id: mostly(textUpTo(100)),
    ok: mostly(fc.boolean()),
    error: mostly(textUpTo(500)),
  },
  { requiredKeys: ['id', 'ok'] },
);

const on = (kind: string, payload: fc.Arbitrary<Buffer>): fc.Arbitrary<Publish> =>
  fc.record({ topic: topics(fc.constant(`devices/${ID}/${kind}`), OTHER_TOPICS), payload });

export const mqttHubTargets = dialectTargets({
  dialect: hubDialect,
  deviceId: ID,
  topic: `devices/${ID}`,
  publishes: {
    telemetry: on(
      'telemetry',
      fc.oneof({ weight: 200, arbitrary: payloads(json(telemetry)) }, { weight: 1, arbitrary: fc.constant(HUGE) }),
    ),
    value: fc.record({
      topic: topics(
        metricLike.map((m) => `devices/${ID}/telemetry/${m}`),
        OTHER_TOPICS,
      ),
      payload: payloads(numberText.map((n) => Buffer.from(n))),
    }),
    status: on('status', payloads(fc.constantFrom('online', 'offline', ' online\n', 'ONLINE', '"online"', '').map((s) => Buffer.from(s)))),
    meta: on('meta', payloads(json(meta))),
    'command-ack': on('cmd/ack', payloads(json(commandAck))),
  },
});
