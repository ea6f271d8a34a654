// The MQTT dialects as people know them: the hub's own convention and the device families whose
// own topics and payloads the broker speaks (docs/devices/<kind>.md). The kinds come from the
// hub's model, so a dialect the hub adds and this list misses does not compile.
import type { MqttDialectKind } from '../../src/core/model.js';
import type { Device } from './types.js';

export type DialectKind = MqttDialectKind;

export interface DialectInfo {
  /** As the kind choice and the device list name it. */
  label: string;
  /** What the family calls the device's topic, for the form's hint. */
  topicHint: string;
  /** An example of such a topic, shown in the empty field. */
  placeholder: string;
  /** The topic the hub gives a device provisioned without one (the dialects' defaultTopic). */
  defaultTopic: (id: string) => string;
}

export const DIALECTS: { readonly [K in DialectKind]: DialectInfo } = {
  hub: {
    label: 'MQTT (this hub’s protocol)',
    topicHint: '',
    placeholder: '',
    defaultTopic: (id) => `devices/${id}`,
  },
  tasmota: {
    label: 'Tasmota',
    topicHint: 'Its Tasmota Topic, shown on the device’s Information page (tasmota_ and the last six digits of its MAC by default).',
    placeholder: 'tasmota_49A3BC',
    defaultTopic: (id) => id,
  },
  shelly: {
    label: 'Shelly',
    topicHint: 'Gen2 and later: its MQTT prefix, the Shelly id unless changed (shellyplus1pm-…). Gen1: shellies/ and its MQTT id.',
    placeholder: 'shellyplus1pm-XXXX or shellies/shelly1-XXXX',
    defaultTopic: (id) => id,
  },
  homie: {
    label: 'Homie',
    topicHint: 'Its base topic followed by its Homie device id.',
    placeholder: 'homie/<device-id>',
    defaultTopic: (id) => `homie/${id}`,
  },
  esphome: {
    label: 'ESPHome',
    topicHint: 'Its topic_prefix: the node’s name unless its YAML sets another.',
    placeholder: 'node name',
    defaultTopic: (id) => id,
  },
};

/** The dialects in the order the kind choice offers them: the hub's own first. */
export const DIALECT_KINDS = Object.keys(DIALECTS) as DialectKind[];

export function isDialect(kind: string): kind is DialectKind {
  return Object.hasOwn(DIALECTS, kind);
}

/** The transport as the list and the device page show it: "MQTT · Tasmota" for a device of another family. */
export function transportLabel(device: Pick<Device, 'transport' | 'dialect'>): string {
  if (device.transport !== 'mqtt' || !device.dialect || device.dialect === 'hub') return device.transport;
  return `MQTT · ${DIALECTS[device.dialect].label}`;
}

/** Where a family's settings are explained in the hub's documentation. */
export function dialectDoc(kind: DialectKind): string {
  return kind === 'hub' ? 'docs/protocol.md' : `docs/devices/${kind}.md`;
}
