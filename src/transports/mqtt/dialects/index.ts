// MQTT dialects: each maps one family's convention of topics and payloads onto the hub's model.
// A device is provisioned with its dialect and its own topic (Tasmota's %topic%, a Shelly's
// prefix, a Homie device's base topic, an ESPHome node's topic prefix; for the hub's own
// dialect `devices/{id}`). While the device is known, the broker keeps one session of its
// dialect for it: the session says which topics are the device's, turns each publish into hub
// input (acked telemetry, best-effort readings, presence, a description, a command answer) and
// each hub command into the publishes the device understands. The broker does the rest (acks,
// presence, ingest, refusals, tracking commands to their answers).
import type { ReadingInput } from '../../../core/ingest.js';
import type { ActuatorSpec, Command, MetricSpec, MqttDialectKind } from '../../../core/model.js';
import type { MqttRefusalCode, Refusal } from '../../../core/refusals.js';
import { hubDialect } from './hub/index.js';
import { shellyDialect } from './shelly/index.js';

/** Every dialect the broker speaks, by kind. */
export const DIALECTS: { readonly hub: MqttDialect } & { readonly [K in MqttDialectKind]?: MqttDialect } = {
  hub: hubDialect,
  shelly: shellyDialect,
};

/** Which dialect a device speaks and the topic its topics are built from. */
export interface DialectBinding {
  dialect: MqttDialectKind;
  topic: string;
}

export interface MqttDialect {
  readonly kind: MqttDialectKind;
  /** The device's topic when provisioning names none. */
  defaultTopic(deviceId: string): string;
  /** Why `topic` cannot be a device's topic in this dialect, or null. */
  checkTopic(topic: string): string | null;
  /** The device's topic space in words ("tele/<topic>/… and stat/<topic>/…"), for refusals and listings. */
  describe(topic: string): string;
  /** The session of one device; it lives as long as the hub knows the device under this binding. */
  open(deviceId: string, topic: string): DialectSession;
}

export interface DialectSession {
  /** Whether the device may publish on `topic`: one of its own device-side topics, or why not. */
  route(topic: string): TopicRoute;
  /**
   * What a routed publish carries for the hub; an empty list for a topic of the device's that the
   * hub has no use for (Tasmota's INFO1, a Homie `$stats`). `receivedAt` stamps readings the
   * device sends without a time.
   */
  decode(topic: string, payload: Buffer, receivedAt: number): Decoded<DialectInput[]>;
  /** Whether the device may subscribe to this filter (only what the hub publishes to it). */
  maySubscribe(filter: string): boolean;
  /** What a subscription means: the hub dialect's ack topic asks for its stream head; a command topic for pending commands. */
  subscribed(filter: string): { resume: boolean; commands: boolean };
  /** The publishes that carry a hub command to the device and the answer that settles it, or why the device cannot take it. */
  command(command: Command): CommandPlan;
}

export type TopicRoute = { ok: true } | ({ ok: false } & Refusal<MqttRefusalCode>);
/** A decoded payload, or its refusal with the message's seq when it could be read. */
export type Decoded<T> = { ok: true; value: T } | ({ ok: false; seq?: number } & Refusal<MqttRefusalCode>);

export type DialectInput =
  /** A message of an acked stream (the hub dialect): stored once, acked with the stream head. */
  | { kind: 'telemetry'; telemetry: Telemetry }
  /** Readings without a stream: at least once over QoS 1, the PUBACK sent once they are durable; the store keeps each (device, metric, time) once. */
  | { kind: 'readings'; readings: ReadingInput[]; refused: RefusedReading[] }
  | { kind: 'status'; status: 'online' | 'offline' }
  /** What the device told about itself; metrics are merged with those known, actuators replace the list when given. */
  | { kind: 'meta'; meta: DeviceMeta }
  /**
   * A device's answer. `key` is what a CommandPlan waits for: a command id (the hub dialect), an
   * RPC id, or an actuator state such as `power=1` that acks the commands asking for it.
   */
  | { kind: 'answer'; key: string; ok: boolean; error?: string };

export type CommandPlan = { ok: true; publishes: OutgoingPublish[]; answer: string } | { ok: false; detail: string };

export interface OutgoingPublish {
  topic: string;
  payload: string;
  retain?: boolean;
}

export interface RefusedReading {
  metric: string;
  detail: string;
}

export interface Telemetry {
  seq: number;
  /** The device's oldest held seq, when it says. */
  first?: number;
  readings: ReadingInput[];
  /** Readings the dialect already refused (a value that is not a number), reported to the device. */
  refused: RefusedReading[];
}

export interface DeviceMeta {
  name?: string;
  firmware?: string;
  sampleIntervalMs?: number;
  metrics?: MetricSpec[];
  actuators?: ActuatorSpec[];
}

export interface CommandAck {
  id: string;
  ok: boolean;
  error?: string;
}

/** The answer key of a command waiting for an actuator to report a state (`power=1`). */
export function stateKey(actuator: string, value: number): string {
  return `${actuator}=${value}`;
}

/** The value a `set` command asks an actuator for (`{"relay": true}` → 1), or null when it asks something else. */
export function requestedState(command: Command, actuator: string): number | null {
  if (command.action !== 'set') return null;
  const value = command.params[actuator];
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}
