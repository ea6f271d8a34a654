// Why the hub refused something a device sent, as one closed set of codes. A refusal is a code
// and a detail: counters and live refusal events carry the code, so their label sets stay
// bounded; the detail says in words what was wrong (it names values) and goes to the device and
// the log. Codes devices already receive are protocol and never change: the `code` of the MQTT
// `error` topic and the code opening the line protocol's `err` frame (docs/protocol.md).

/** A whole message refused by ingest; the passing ones leave it with the device, which resends it. */
export type IngestRefusalCode = 'unknown_device' | 'stopping' | 'busy' | 'seq_gap' | 'bad_first' | SeqNoticeCode;

/** A message dropped as a resend whose seq lies far behind the stream (core/seq-behind.ts): told, not resent. */
export type SeqNoticeCode = 'seq_behind';

/** One reading refused by ingest; the rest of its message is kept. */
export type ReadingRefusalCode = 'bad_metric' | 'bad_value' | 'bad_timestamp' | 'too_many_metrics';

/** MQTT refusals, each sent to the device on `devices/{id}/error` (except the silent `suspended`). */
export type MqttRefusalCode =
  // The payload: codec.ts.
  | 'malformed'
  | 'too_large'
  | 'too_many_readings'
  | 'no_readings'
  | 'bad_status'
  | 'bad_meta'
  | 'bad_command_ack'
  // The topic and the connection: device-messages.ts and gatekeeper.ts.
  | 'bad_topic'
  | 'foreign_topic'
  | 'hub_topic'
  | 'subscription_refused'
  | 'connection_refused'
  | 'unauthenticated'
  // One writer per stream; and telemetry behind a passing refusal, dropped unread until the device reconnects.
  | 'stream_busy'
  | 'suspended'
  // One reading of a kept message: not a number (codec), or refused by ingest under a ReadingRefusalCode.
  | 'bad_value'
  | 'bad_reading'
  // A fault of the hub's while handling the message.
  | 'internal';

/** Serial line protocol refusals; all but before_hello and gap are answered `err <code>: <detail>`. */
export type LineRefusalCode =
  | 'no_checksum'
  | 'checksum'
  | 'encoding'
  | 'too_long'
  | 'unknown_type'
  | 'bad_field'
  | 'protocol'
  | 'before_hello'
  | 'gap'
  | 'id_in_use';

/** DSMR P1 telegrams refused whole (the meter is never told: it only talks). */
export type DsmrRefusalCode =
  | 'truncated'
  | 'oversized'
  | 'malformed_crc'
  | 'bad_crc'
  | 'missing_crc'
  | 'malformed_line'
  | 'no_equipment_id'
  | 'no_readings';

/** Firmata: bytes from the board that do not parse, and commands the board cannot carry out. */
export type FirmataRefusalCode = 'unparsable_bytes' | 'command_refused';

export type RefusalCode = IngestRefusalCode | ReadingRefusalCode | MqttRefusalCode | LineRefusalCode | DsmrRefusalCode | FirmataRefusalCode;

export interface Refusal<Code extends RefusalCode = RefusalCode> {
  code: Code;
  /** What was wrong, in words a device developer can act on. */
  detail: string;
}

/** Refusals the device gets past by resending the message later; the others are final for it. */
export const PASSING_REFUSALS: ReadonlySet<RefusalCode> = new Set<RefusalCode>(['busy', 'stopping', 'seq_gap', 'stream_busy']);
