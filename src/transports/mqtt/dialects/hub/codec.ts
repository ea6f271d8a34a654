// Payload decoding for topic scheme v1. Everything a device sends is checked here; what comes
// out is typed and trusted by the core. Each decoder returns either the value or the refusal:
// a code for counters and the device, and the detail in words a device developer can act on.
import type { ReadingInput } from '../../../../core/ingest.js';
import {
  ACTUATOR_TYPES,
  METRIC_KINDS,
  checkMetricName,
  isSeq,
  type ActuatorSpec,
  type MetricKind,
  type MetricSpec,
} from '../../../../core/model.js';
import type { CommandAck, Decoded, DeviceMeta, DialectInput, Telemetry } from '../dialect.js';

type CodecRefusal = 'bad_value' | 'malformed' | 'too_many_readings' | 'no_readings' | 'bad_status' | 'bad_meta' | 'bad_command_ack';

const KNOWN_ACTUATOR_TYPES: ReadonlySet<string> = new Set(ACTUATOR_TYPES);
const MAX_READINGS_PER_MESSAGE = 10_000;

function fail<T>(code: CodecRefusal, detail: string, seq?: number): Decoded<T> {
  return seq === undefined ? { ok: false, code, detail } : { ok: false, code, detail, seq };
}

function parseObject(payload: Buffer): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return `malformed JSON: ${(err as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'payload must be a JSON object';
  return value as Record<string, unknown>;
}

/**
 * `{"seq": 7, "ts": 1763700000000, "readings": {"temperature": 21.5}}` or the batch form
 * `{"seq": 8, "batch": [{"ts": ..., "readings": {...}}, ...]}`; `ts` (Unix ms) is optional. Without
 * `seq` the same forms, and the flat `{"temperature": 21.5}`, are best-effort readings.
 */
export function decodeTelemetry(payload: Buffer): Decoded<DialectInput[]> {
  const body = parseObject(payload);
  if (typeof body === 'string') return fail('malformed', body);
  if (body.seq === undefined) return decodeBestEffort(body);
  if (!isSeq(body.seq)) return fail('malformed', 'seq must be an integer from 0 to 4294967295');
  const seq = body.seq;
  if (body.first !== undefined && !isSeq(body.first))
    return fail('malformed', 'first must be an integer from 0 to 4294967295 (your oldest held seq)', seq);
  const groups = body.batch !== undefined ? body.batch : [{ ts: body.ts, readings: body.readings }];
  const read = readGroups(groups);
  if (typeof read === 'string') return fail(read === NO_READINGS ? 'no_readings' : 'malformed', read, seq);
  if (read.readings.length > MAX_READINGS_PER_MESSAGE)
    return fail('too_many_readings', `more than ${MAX_READINGS_PER_MESSAGE} readings in one message`, seq);
  const first = body.first as number | undefined;
  const telemetry: Telemetry = first === undefined ? { seq, ...read } : { seq, first, ...read };
  return { ok: true, value: [{ kind: 'telemetry', telemetry }] };
}

/** Telemetry without a stream: `{"readings": {...}}`, a batch, or flat `{"temperature": 21.5, "ts"?: ...}`. */
function decodeBestEffort(body: Record<string, unknown>): Decoded<DialectInput[]> {
  if (body.first !== undefined) return fail('malformed', 'first belongs to an acked stream: send it with seq');
  const flat = body.readings === undefined && body.batch === undefined;
  const { ts, ...values } = body;
  const groups = flat ? [{ ts, readings: values }] : body.batch !== undefined ? body.batch : [{ ts: body.ts, readings: body.readings }];
  const read = readGroups(groups);
  if (typeof read === 'string') return fail(read === NO_READINGS ? 'no_readings' : 'malformed', read);
  if (read.readings.length > MAX_READINGS_PER_MESSAGE)
    return fail('too_many_readings', `more than ${MAX_READINGS_PER_MESSAGE} readings in one message`);
  return { ok: true, value: [{ kind: 'readings', ...read }] };
}

/** A plain number on `devices/{id}/telemetry/<metric>`: one best-effort reading. */
export function decodeValue(metric: string, payload: Buffer): Decoded<DialectInput[]> {
  const text = payload.toString('utf8').trim();
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value))
    return fail('bad_value', `payload of telemetry/${metric} must be a plain number, got ${JSON.stringify(text.slice(0, 40))}`);
  return { ok: true, value: [{ kind: 'readings', readings: [{ metric, value }], refused: [] }] };
}

const NO_READINGS = 'message holds no readings';

/**
 * The readings of `[{ts?, readings: {metric: number}}]`, or what is wrong with them. Runs for every
 * message: indexed loops and for-in, no iterator or entry array per group and value.
 */
function readGroups(groups: unknown): Pick<Telemetry, 'readings' | 'refused'> | string {
  if (!Array.isArray(groups) || groups.length === 0) return 'batch must be a non-empty array';
  const readings: ReadingInput[] = [];
  const refused: Telemetry['refused'] = [];
  for (let group = 0; group < groups.length; group++) {
    const entry: unknown = groups[group];
    if (typeof entry !== 'object' || entry === null) return 'each batch entry must be an object with readings';
    const { ts, readings: values } = entry as Record<string, unknown>;
    if (ts !== undefined && (typeof ts !== 'number' || !Number.isInteger(ts)))
      return 'ts must be an integer number of milliseconds since 1970 (UTC)';
    if (typeof values !== 'object' || values === null || Array.isArray(values)) return 'readings must be an object of {metric: number}';
    // JSON.parse makes plain objects: for-in sees exactly their own keys.
    for (const metric in values) {
      const value = (values as Record<string, unknown>)[metric];
      if (typeof value !== 'number')
        refused.push({ metric, detail: `value must be a number, got ${value === null ? 'null' : typeof value}` });
      else readings.push(ts === undefined ? { metric, value, group } : { metric, value, ts, group });
    }
  }
  if (readings.length + refused.length === 0) return NO_READINGS;
  return { readings, refused };
}

/** `online` or `offline`, as plain text (what last wills and retained status messages carry). */
export function decodeStatus(payload: Buffer): Decoded<'online' | 'offline'> {
  const text = payload.toString('utf8').trim();
  if (text === 'online' || text === 'offline') return { ok: true, value: text };
  return fail('bad_status', 'status must be "online" or "offline"');
}

/** `{"name", "firmware", "sampleIntervalMs", "metrics": [{"name", "unit", "kind"}], "actuators": [{"name", "type"}]}`. */
export function decodeMeta(payload: Buffer): Decoded<DeviceMeta> {
  const body = parseObject(payload);
  if (typeof body === 'string') return fail('bad_meta', body);
  const { name, firmware, sampleIntervalMs, metrics = [], actuators = [] } = body;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 200))
    return fail('bad_meta', 'name must be a string of 1 to 200 characters');
  if (firmware !== undefined && (typeof firmware !== 'string' || firmware.length > 100))
    return fail('bad_meta', 'firmware must be a string of at most 100 characters');
  if (
    sampleIntervalMs !== undefined &&
    (!Number.isInteger(sampleIntervalMs) || (sampleIntervalMs as number) < 10 || (sampleIntervalMs as number) > 86_400_000)
  ) {
    return fail('bad_meta', 'sampleIntervalMs must be an integer from 10 to 86400000');
  }
  if (!Array.isArray(metrics) || metrics.length > 500) return fail('bad_meta', 'metrics must be an array of at most 500 {name, unit}');
  const metricSpecs: MetricSpec[] = [];
  for (const m of metrics as unknown[]) {
    const { name: metric, unit, kind } = (m ?? {}) as Record<string, unknown>;
    const invalid = checkMetricName(metric);
    if (invalid) return fail('bad_meta', `metrics: ${invalid}`);
    if (unit !== undefined && (typeof unit !== 'string' || unit.length > 32))
      return fail('bad_meta', `metrics: unit of ${String(metric)} must be a string of at most 32 characters`);
    if (kind !== undefined && !METRIC_KINDS.includes(kind as MetricKind))
      return fail('bad_meta', `metrics: kind of ${String(metric)} must be "gauge" or "counter"`);
    metricSpecs.push({
      name: metric as string,
      ...(unit !== undefined && { unit: unit as string }),
      ...(kind !== undefined && { kind: kind as MetricKind }),
    });
  }
  if (!Array.isArray(actuators) || actuators.length > 100)
    return fail('bad_meta', 'actuators must be an array of at most 100 {name, type}');
  const actuatorSpecs: ActuatorSpec[] = [];
  for (const a of actuators as unknown[]) {
    const { name: actuator, type } = (a ?? {}) as Record<string, unknown>;
    const invalid = checkMetricName(actuator);
    if (invalid) return fail('bad_meta', `actuators: ${invalid.replace('metric name', 'actuator name')}`);
    if (typeof type !== 'string' || !KNOWN_ACTUATOR_TYPES.has(type))
      return fail('bad_meta', `actuators: type of ${String(actuator)} must be led, relay, pwm or servo`);
    actuatorSpecs.push({ name: actuator as string, type: type as ActuatorSpec['type'] });
  }
  return {
    ok: true,
    value: {
      ...(name !== undefined && { name: name as string }),
      ...(firmware !== undefined && { firmware: firmware as string }),
      ...(sampleIntervalMs !== undefined && { sampleIntervalMs: sampleIntervalMs as number }),
      metrics: metricSpecs,
      actuators: actuatorSpecs,
    },
  };
}

/** `{"id": "<command id>", "ok": true}` or `{"id", "ok": false, "error": "why"}`. */
export function decodeCommandAck(payload: Buffer): Decoded<CommandAck> {
  const body = parseObject(payload);
  if (typeof body === 'string') return fail('bad_command_ack', body);
  const { id, ok, error } = body;
  if (typeof id !== 'string' || id.length === 0 || id.length > 100) return fail('bad_command_ack', 'id must be the command id (a string)');
  if (typeof ok !== 'boolean') return fail('bad_command_ack', 'ok must be true or false');
  if (error !== undefined && (typeof error !== 'string' || error.length > 500))
    return fail('bad_command_ack', 'error must be a string of at most 500 characters');
  return { ok: true, value: error === undefined ? { id, ok } : { id, ok, error } };
}
