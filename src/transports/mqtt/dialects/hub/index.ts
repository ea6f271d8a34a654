// The hub's own MQTT convention, topic scheme v1 (docs/protocol.md): everything about device
// {id} lives under devices/{id}/; the device publishes telemetry, status, meta and cmd/ack and
// subscribes to ack, cmd and error; payloads are read by codec.ts. Telemetry with a `seq` is an
// acked stream; without one (a quick script, a device without a queue) it is best-effort.
import type { Command } from '../../../../core/model.js';
import type { CommandPlan, Decoded, DialectInput, DialectSession, MqttDialect, TopicRoute } from '../dialect.js';
import { decodeCommandAck, decodeMeta, decodeStatus, decodeTelemetry, decodeValue } from './codec.js';
import { TOPIC_ROOT, deviceMaySubscribe, parseTopic, topicFor } from './topics.js';

export const hubDialect: MqttDialect = {
  kind: 'hub',
  defaultTopic: (deviceId) => `${TOPIC_ROOT}/${deviceId}`,
  checkTopic: () => null,
  describe: () => `${TOPIC_ROOT}/{id}/`,
  open: (deviceId) => new HubSession(deviceId),
};

const ROUTED: TopicRoute = { ok: true };

class HubSession implements DialectSession {
  /** The topic of nearly every message a device sends: recognised without splitting it. */
  private readonly telemetryTopic: string;

  constructor(private readonly deviceId: string) {
    this.telemetryTopic = topicFor(deviceId, 'telemetry');
  }

  route(topic: string): TopicRoute {
    if (topic === this.telemetryTopic) return ROUTED;
    const { deviceId } = this;
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
    return ROUTED;
  }

  decode(topic: string, payload: Buffer): Decoded<DialectInput[]> {
    if (topic === this.telemetryTopic) return decodeTelemetry(payload);
    const parsed = parseTopic(topic);
    if (!parsed.ok) return { ok: false, code: 'bad_topic', detail: parsed.reason };
    const kind = parsed.kind;
    if (kind === 'telemetry') return decodeTelemetry(payload);
    if (kind.startsWith('telemetry/')) return decodeValue(kind.slice('telemetry/'.length), payload);
    if (kind === 'status') return map(decodeStatus(payload), (status) => ({ kind: 'status', status }));
    if (kind === 'meta') return map(decodeMeta(payload), (meta) => ({ kind: 'meta', meta }));
    return map(decodeCommandAck(payload), ({ id, ok, error }) =>
      error === undefined ? { kind: 'answer', key: id, ok } : { kind: 'answer', key: id, ok, error },
    );
  }

  maySubscribe(filter: string): boolean {
    return deviceMaySubscribe(this.deviceId, filter);
  }

  subscribed(filter: string): { resume: boolean; commands: boolean } {
    return { resume: filter === topicFor(this.deviceId, 'ack'), commands: filter === topicFor(this.deviceId, 'cmd') };
  }

  /** `{"id", "action", "params", "expiresAt"}` on devices/{id}/cmd, answered on cmd/ack with the same id. */
  command(command: Command): CommandPlan {
    const { id, action, params, expiresAt } = command;
    const payload = JSON.stringify({ id, action, params, expiresAt });
    return { ok: true, publishes: [{ topic: topicFor(this.deviceId, 'cmd'), payload }], answer: id };
  }
}

function map<T>(decoded: Decoded<T>, input: (value: T) => DialectInput): Decoded<DialectInput[]> {
  return decoded.ok ? { ok: true, value: [input(decoded.value)] } : decoded;
}
