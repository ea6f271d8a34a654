// Fuzz targets for an MQTT dialect (src/transports/mqtt/dialects/): a publish goes through the
// device's session as the broker sends it, route() first and then decode(), and must come out
// as DialectInputs that keep the dialect's promises (typed readings, known actuator types,
// valid metric names in a description) or as a refusal with an MqttRefusalCode and a detail.
// A dialect's fuzz file calls dialectTargets with its own topics and payload generators.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ReadingInput } from '../../../src/core/ingest.js';
import { ACTUATOR_TYPES, checkMetricName, isSeq } from '../../../src/core/model.js';
import type { MqttRefusalCode } from '../../../src/core/refusals.js';
import type { DialectInput, MqttDialect, RefusedReading } from '../../../src/transports/mqtt/dialects/index.js';
import { READING_REFUSALS, readingRefusals } from '../checks.js';
import type { FuzzTarget, Outcome } from '../harness.js';
import { mutated, randomBytes } from '../mutate.js';

export const MQTT_CODES = [
  'malformed',
  'too_large',
  'too_many_readings',
  'no_readings',
  'bad_status',
  'bad_meta',
  'bad_command_ack',
  'bad_topic',
  'foreign_topic',
  'hub_topic',
  'subscription_refused',
  'connection_refused',
  'unauthenticated',
  'stream_busy',
  'suspended',
  'bad_value',
  'bad_reading',
  'internal',
] as const satisfies readonly MqttRefusalCode[];

export interface Publish {
  topic: string;
  payload: Buffer;
}

export interface DialectFuzz {
  /** Target names are `mqtt-<dialect>-<name>`. */
  dialect: MqttDialect;
  deviceId: string;
  /** The device's own topic in this dialect (its provisioning). */
  topic: string;
  /** One target per kind of publish: its name and its generator of publishes. */
  publishes: Record<string, fc.Arbitrary<Publish>>;
}

export function dialectTargets({ dialect, deviceId, topic, publishes }: DialectFuzz): FuzzTarget<Publish>[] {
  const session = dialect.open(deviceId, topic);
  return Object.entries(publishes).map(([name, input]) => ({
    name: `mqtt-${dialect.kind}-${name}`,
    codes: [...MQTT_CODES, ...READING_REFUSALS],
    input,
    feed(publish: Publish): Outcome[] {
      const route = session.route(publish.topic);
      if (!route.ok) return [{ refused: route.code, detail: route.detail }];
      const now = Date.now();
      const decoded = session.decode(publish.topic, publish.payload, now);
      if (!decoded.ok) {
        assert.ok(decoded.seq === undefined || isSeq(decoded.seq), 'a refusal names a seq only when it is one');
        return [{ refused: decoded.code, detail: decoded.detail }];
      }
      return [{ accepted: true, itemRefusals: decoded.value.flatMap((input) => checkInput(input, now)) }];
    },
  }));
}

/** A topic of the right shape most of the time, sometimes one the session must refuse. */
export function topics(own: fc.Arbitrary<string>, others: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 30, arbitrary: own },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
}

/** Payloads from a generator of well-formed ones: as they are, mutated byte by byte, or random bytes. */
export function payloads(wellFormed: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 7, arbitrary: wellFormed },
    { weight: 2, arbitrary: mutated(wellFormed) },
    { weight: 1, arbitrary: randomBytes(200) },
  );
}

/** The promises of each decoded input; returns the codes of the readings refused one by one (by the codec or by ingest). */
function checkInput(input: DialectInput, now: number): string[] {
  switch (input.kind) {
    case 'telemetry': {
      const { seq, first, readings, refused } = input.telemetry;
      assert.ok(isSeq(seq) && (first === undefined || isSeq(first)));
      return checkReadings(readings, refused, now);
    }
    case 'readings':
      return checkReadings(input.readings, input.refused, now);
    case 'status':
      assert.ok(input.status === 'online' || input.status === 'offline');
      return [];
    case 'meta': {
      const { name, firmware, sampleIntervalMs, metrics = [], actuators = [] } = input.meta;
      assert.ok(name === undefined || (typeof name === 'string' && name.length > 0));
      assert.ok(firmware === undefined || typeof firmware === 'string');
      assert.ok(sampleIntervalMs === undefined || (Number.isInteger(sampleIntervalMs) && sampleIntervalMs >= 10));
      for (const m of metrics) assert.ok(checkMetricName(m.name) === null && (m.unit === undefined || typeof m.unit === 'string'));
      for (const a of actuators) assert.ok(checkMetricName(a.name) === null && ACTUATOR_TYPES.includes(a.type));
      return [];
    }
    case 'answer':
      assert.ok(typeof input.key === 'string' && input.key.length > 0 && typeof input.ok === 'boolean');
      assert.ok(input.error === undefined || typeof input.error === 'string');
      return [];
  }
}

function checkReadings(readings: readonly ReadingInput[], refused: RefusedReading[], now: number): string[] {
  assert.ok(readings.length + refused.length > 0, 'accepted telemetry holds readings');
  for (const r of refused) assert.ok(typeof r.metric === 'string' && typeof r.detail === 'string' && r.detail.length > 0);
  return [...refused.map(() => 'bad_value'), ...readingRefusals(readings, now)];
}
