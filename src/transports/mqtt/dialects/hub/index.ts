// The hub's own MQTT convention, topic scheme v1 (docs/protocol.md): everything about device
// {id} lives under devices/{id}/; the device publishes telemetry, status, meta and cmd/ack and
// subscribes to ack, cmd and error; payloads are read by codec.ts.
import type { InputKind, MqttDialect } from '../index.js';
import { decodeCommandAck, decodeMeta, decodeStatus, decodeTelemetry } from './codec.js';
import { TOPIC_ROOT, deviceMaySubscribe, parseTopic, type DeviceTopic } from './topics.js';

const INPUTS: Record<DeviceTopic, InputKind> = { telemetry: 'telemetry', status: 'status', meta: 'meta', 'cmd/ack': 'commandAck' };

export const hubDialect = {
  kind: 'hub',
  topics: `${TOPIC_ROOT}/{id}/`,
  route(deviceId, topic) {
    if (!topic.startsWith(`${TOPIC_ROOT}/`)) return null;
    const parsed = parseTopic(topic);
    if (!parsed.ok) return { ok: false, code: 'bad_topic', detail: parsed.reason };
    if (parsed.deviceId !== deviceId)
      return { ok: false, code: 'foreign_topic', detail: `foreign topic: ${deviceId} may publish only under devices/${deviceId}/` };
    if (parsed.direction !== 'device')
      return {
        ok: false,
        code: 'hub_topic',
        detail: `hub topic: devices/${deviceId}/${parsed.kind} is published by the hub, not the device`,
      };
    return { ok: true, input: INPUTS[parsed.kind as DeviceTopic] };
  },
  maySubscribe: deviceMaySubscribe,
  decode: { telemetry: decodeTelemetry, status: decodeStatus, meta: decodeMeta, commandAck: decodeCommandAck },
} as const satisfies MqttDialect;
