// Topic scheme v1: everything about one device lives under `devices/{id}/`.
//   device → hub: telemetry (and telemetry/<metric> with a plain number), status, meta, cmd/ack
//   hub → device: ack, cmd, error
// This file is the only place that builds or splits these topic strings.
import { checkDeviceId } from '../../../../core/model.js';

export const TOPIC_ROOT = 'devices';

/** What a device may publish. */
export type DeviceTopic = 'telemetry' | 'status' | 'meta' | 'cmd/ack';
/** What the hub publishes to a device (and what the device may subscribe to). */
export type HubTopic = 'ack' | 'cmd' | 'error';

const DEVICE_TOPICS: ReadonlySet<string> = new Set<DeviceTopic>(['telemetry', 'status', 'meta', 'cmd/ack']);
const HUB_TOPICS: ReadonlySet<string> = new Set<HubTopic>(['ack', 'cmd', 'error']);

export function topicFor(deviceId: string, kind: DeviceTopic | HubTopic): string {
  return `${TOPIC_ROOT}/${deviceId}/${kind}`;
}

export type ParsedTopic = { ok: true; deviceId: string; kind: string; direction: 'device' | 'hub' } | { ok: false; reason: string };

/** Splits `devices/{id}/{kind}`; `direction` says who is meant to publish it. */
export function parseTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts.length < 3 || parts[0] !== TOPIC_ROOT)
    return { ok: false, reason: `outside scheme: topic ${topic} is not under ${TOPIC_ROOT}/{id}/` };
  const deviceId = parts[1];
  const invalid = checkDeviceId(deviceId);
  if (invalid) return { ok: false, reason: `invalid device id in topic ${topic}: ${invalid}` };
  const kind = parts.slice(2).join('/');
  if (DEVICE_TOPICS.has(kind) || (parts.length === 4 && parts[2] === 'telemetry' && parts[3] !== ''))
    return { ok: true, deviceId, kind, direction: 'device' };
  if (HUB_TOPICS.has(kind)) return { ok: true, deviceId, kind, direction: 'hub' };
  return { ok: false, reason: `unknown topic: ${topic}; devices publish telemetry, telemetry/<metric>, status, meta or cmd/ack` };
}

/** Subscriptions a device may hold: exactly its own ack, cmd and error topics (no wildcards). */
export function deviceMaySubscribe(deviceId: string, filter: string): boolean {
  const parsed = parseTopic(filter);
  return parsed.ok && parsed.deviceId === deviceId && parsed.direction === 'hub';
}
