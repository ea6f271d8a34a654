// MQTT dialects: each maps one convention of device topics and payloads onto the hub's model.
// A dialect says which topics a device may publish and subscribe to, and how a publish becomes
// hub input (telemetry, status, meta or a command answer); the broker does the rest (acks,
// presence, ingest, refusals). The broker asks the dialects in the order of DIALECTS, and the
// first that knows a topic handles it.
import type { ReadingInput } from '../../../core/ingest.js';
import type { ActuatorSpec, MetricSpec } from '../../../core/model.js';
import type { MqttRefusalCode, Refusal } from '../../../core/refusals.js';
import { hubDialect } from './hub/index.js';

/** The dialects the broker speaks, asked in this order. */
export const DIALECTS: readonly MqttDialect[] = [hubDialect];

export interface MqttDialect {
  readonly kind: 'hub';
  /** Its topic space in words ("devices/{id}/"), for a device that publishes outside every dialect. */
  readonly topics: string;
  /**
   * What a publish by `deviceId` on `topic` carries, or why the device may not publish there;
   * null when the topic is not in this dialect's space.
   */
  route(deviceId: string, topic: string): TopicRoute | null;
  /** Whether the device may subscribe to this filter. */
  maySubscribe(deviceId: string, filter: string): boolean;
  /** Turns the payload of a routed publish into hub input, or refuses it. */
  decode: {
    telemetry(payload: Buffer): Decoded<Telemetry>;
    status(payload: Buffer): Decoded<'online' | 'offline'>;
    meta(payload: Buffer): Decoded<DeviceMeta>;
    commandAck(payload: Buffer): Decoded<CommandAck>;
  };
}

export type InputKind = keyof MqttDialect['decode'];
export type TopicRoute = { ok: true; input: InputKind } | ({ ok: false } & Refusal<MqttRefusalCode>);
/** A decoded payload, or its refusal with the message's seq when it could be read. */
export type Decoded<T> = { ok: true; value: T } | ({ ok: false; seq?: number } & Refusal<MqttRefusalCode>);

export interface Telemetry {
  seq: number;
  /** The device's oldest held seq, when it says. */
  first?: number;
  readings: ReadingInput[];
  /** Readings the dialect already refused (a value that is not a number), reported to the device. */
  refused: Array<{ metric: string; detail: string }>;
}

export interface DeviceMeta {
  name?: string;
  firmware?: string;
  sampleIntervalMs?: number;
  metrics: MetricSpec[];
  actuators: ActuatorSpec[];
}

export interface CommandAck {
  id: string;
  ok: boolean;
  error?: string;
}
