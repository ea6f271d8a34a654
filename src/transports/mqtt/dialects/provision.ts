// What provisioning records of a device's dialect: the kind it names and the device's own topic
// in it (the dialect's default built from the id when none is given), checked by the dialect and
// against every other provisioned device, since two devices on one topic would share readings.
import type { DeviceCredentials, DeviceDialect } from '../../../core/credentials.js';
import { MQTT_DIALECTS, type MqttDialectKind } from '../../../core/model.js';
import { DIALECTS } from './index.js';

export type DialectChoice = { ok: true; value: DeviceDialect | undefined } | { ok: false; detail: string };

/** The dialects a device can be provisioned with, in words for usage lines and errors. */
export const DIALECT_NAMES = MQTT_DIALECTS;

export async function chooseDialect(
  credentials: Pick<DeviceCredentials, 'dialects'>,
  deviceId: string,
  kind: string | undefined,
  topic: string | undefined,
): Promise<DialectChoice> {
  if (kind === undefined || kind === 'hub') {
    if (topic !== undefined) return { ok: false, detail: 'a topic is given only with a dialect other than hub' };
    return { ok: true, value: undefined };
  }
  const dialect = (MQTT_DIALECTS as readonly string[]).includes(kind) ? DIALECTS[kind as MqttDialectKind] : undefined;
  if (!dialect) return { ok: false, detail: `unknown dialect ${JSON.stringify(kind)}; one of ${DIALECT_NAMES.join(', ')}` };
  const chosen = topic ?? dialect.defaultTopic(deviceId);
  const invalid = dialect.checkTopic(chosen);
  if (invalid) return { ok: false, detail: `topic ${JSON.stringify(chosen)}: ${invalid}` };
  const holder = (await credentials.dialects()).find((d) => d.topic === chosen && d.id !== deviceId);
  if (holder)
    return { ok: false, detail: `topic ${JSON.stringify(chosen)} is already the topic of device ${holder.id} (${holder.dialect})` };
  return { ok: true, value: { dialect: dialect.kind, topic: chosen } };
}
