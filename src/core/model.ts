// The hub's vocabulary. Everything past the edges (codecs, HTTP schemas, config) speaks these
// types, and the checks below are the single definition of what a valid id, metric or reading is.

/**
 * The kinds of transport a device can reach the hub through, as keys. Each serial transport adds
 * its own kind from its folder (`declare module` in its descriptor.ts), so adding one needs no
 * edit here.
 */
export interface TransportKinds {
  mqtt: true;
  simulator: true;
}
export type TransportKind = keyof TransportKinds;
// The other enumerations are lists first, so the HTTP schemas and checks enumerate the same
// values the types allow.
export const PRESENCE_STATES = ['unknown', 'online', 'stale', 'offline'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];
export const COMMAND_STATES = ['queued', 'sent', 'acked', 'failed', 'expired'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];
/** Command states after which a command never changes again. */
export const FINISHED_COMMAND_STATES: readonly CommandState[] = ['acked', 'failed', 'expired'];
export const ACTUATOR_TYPES = ['led', 'relay', 'pwm', 'servo'] as const;
export type ActuatorType = (typeof ACTUATOR_TYPES)[number];
/**
 * The MQTT conventions the broker speaks: the hub's own (`devices/{id}/…`, acked streams) and
 * those of device families people already own, each in a folder under transports/mqtt/dialects/.
 */
export const MQTT_DIALECTS = ['hub', 'tasmota', 'shelly', 'homie', 'esphome'] as const;
export type MqttDialectKind = (typeof MQTT_DIALECTS)[number];

/**
 * A gauge is a value at an instant (a temperature, a power); a counter only grows, apart from a
 * reset to zero (a meter's energy, gas or water total). The kind tells readers that
 * agg=increase/rate make sense for it; stored samples are the same either way.
 */
export const METRIC_KINDS = ['gauge', 'counter'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

export interface MetricSpec {
  name: string;
  unit?: string;
  /** Gauge when absent. */
  kind?: MetricKind;
}

export interface ActuatorSpec {
  name: string;
  type: ActuatorType;
}

export interface Device {
  id: string;
  name: string;
  transport: TransportKind;
  /** For MQTT devices of another family than the hub's own: whose topics and payloads it speaks. */
  dialect?: MqttDialectKind;
  metrics: MetricSpec[];
  actuators: ActuatorSpec[];
  firmware?: string;
  /** How often the device says it samples; presence uses it to decide when silence means stale. */
  sampleIntervalMs?: number;
  presence: PresenceState;
  lastSeen: number | null;
  createdAt: number;
}

export interface Reading {
  deviceId: string;
  metric: string;
  /** Unix time in milliseconds, UTC. */
  ts: number;
  value: number;
}

export interface Command {
  id: string;
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
  state: CommandState;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  error?: string;
}

/** A command in a final state changes no more: the device answered, or its time ran out. */
export function isFinal(state: string): state is 'acked' | 'failed' | 'expired' {
  return state === 'acked' || state === 'failed' || state === 'expired';
}

export interface PresenceChange {
  deviceId: string;
  state: PresenceState;
  previous: PresenceState;
  ts: number;
  reason: string;
}

export const LIMITS = {
  idMaxLength: 64,
  metricMaxLength: 64,
  maxAbsValue: 1e15,
  /** Readings stamped before this are clock errors (an RTC that lost power reads 1970 or 2000). */
  minTimestamp: Date.UTC(2000, 0, 1),
  /** How far ahead of the hub's clock a device clock may run before its readings are refused. */
  maxFutureSkewMs: 10 * 60_000,
} as const;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const METRIC_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Each check returns null when the value is acceptable, otherwise the reason in words. */
export function checkDeviceId(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'device id must be a non-empty string';
  if (id.length > LIMITS.idMaxLength) return `device id longer than ${LIMITS.idMaxLength} characters`;
  if (!ID_PATTERN.test(id)) return 'device id may hold only letters, digits, ".", "_" and "-", starting with a letter or digit';
  return null;
}

export function checkMetricName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'metric name must be a non-empty string';
  if (name.length > LIMITS.metricMaxLength) return `metric name longer than ${LIMITS.metricMaxLength} characters`;
  if (!METRIC_PATTERN.test(name)) return 'metric name must start with a letter and hold only letters, digits, ".", "_" and "-"';
  return null;
}

export function checkValue(value: unknown): string | null {
  if (typeof value !== 'number') return `value must be a number, got ${typeof value}`;
  if (!Number.isFinite(value)) return 'value must be finite';
  if (Math.abs(value) > LIMITS.maxAbsValue) return `value beyond ±${LIMITS.maxAbsValue}`;
  return null;
}

export function checkTimestamp(ts: unknown, now: number): string | null {
  if (typeof ts !== 'number' || !Number.isInteger(ts)) return 'timestamp must be an integer number of milliseconds';
  if (ts < LIMITS.minTimestamp) return 'timestamp before 2000-01-01';
  if (ts > now + LIMITS.maxFutureSkewMs) return 'timestamp more than 10 minutes in the future';
  return null;
}

/** Serial-number arithmetic (RFC 1982) for the uint32 sequence numbers devices send. */
export const SEQ_MODULO = 2 ** 32;

export function isSeq(seq: unknown): seq is number {
  return typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && seq < SEQ_MODULO;
}

/** Distance from a to b going forward, in [0, 2^32). */
export function seqDistance(a: number, b: number): number {
  return (b - a + SEQ_MODULO) % SEQ_MODULO;
}

/** True when b comes after a, treating the space as a circle split in two halves. */
export function seqAfter(a: number, b: number): boolean {
  const d = seqDistance(a, b);
  return d !== 0 && d < SEQ_MODULO / 2;
}

export function seqNext(a: number): number {
  return (a + 1) % SEQ_MODULO;
}
