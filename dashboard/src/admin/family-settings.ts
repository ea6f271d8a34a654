// What to enter in a device's own MQTT settings when it speaks its family's convention (Tasmota,
// Shelly, Homie, ESPHome): the hub's host and port, username = device id, password = key, and the
// topic it was provisioned with, in the words of that family's settings page, with a ready
// command or config snippet and the document that explains the rest (docs/devices/<kind>.md).
import { h } from '../dom.js';
import { DIALECTS, dialectDoc, type DialectKind } from '../dialects.js';

export interface Login {
  id: string;
  key: string;
  host: string;
  port: number;
  tls: boolean;
  /** The device's topic in its family; null when not known here (a new key keeps the old one). */
  topic: string | null;
}

type Family = Exclude<DialectKind, 'hub'>;
type Rows = Array<[string, string]>;

const KEPT = 'as provisioned before (a new key keeps it)';

/** The settings of one family as a heading, a list and a snippet; its own labels say where they go. */
export function familySettings(kind: Family, login: Login): HTMLElement[] {
  const { rows, snippet, where } = FAMILY[kind](login);
  const label = DIALECTS[kind].label;
  return [
    h('h3', {}, `${label} MQTT settings`),
    h('p', {}, where),
    h('dl', { class: 'settings' }, ...rows.flatMap(([term, value]) => setting(term, value))),
    h('p', {}, snippet.title),
    h('pre', { class: 'example', tabindex: 0, 'aria-label': snippet.title }, snippet.text),
    h('p', { class: 'hint' }, 'Details, topics and what the hub reads: ', h('code', {}, dialectDoc(kind)), ' in the hub’s documentation.'),
  ];
}

export function setting(term: string, value: string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, h('code', {}, value))];
}

function portText(port: number, tls: boolean): string {
  return tls ? `${port} (MQTT over TLS)` : String(port);
}

interface FamilyView {
  where: string;
  rows: Rows;
  snippet: { title: string; text: string };
}

const FAMILY: { [K in Family]: (login: Login) => FamilyView } = {
  tasmota: ({ id, host, port, tls, topic }) => ({
    where: 'On the device: Configuration → Configure MQTT, or its console.',
    rows: [
      ['Host', host],
      ['Port', portText(port, tls)],
      ['Client', 'leave as it is (DVES_…)'],
      ['User', id],
      ['Password', 'the key above'],
      ['Topic', topic ?? KEPT],
      ['Full Topic', '%prefix%/%topic%/ (the default) or %topic%/%prefix%/'],
    ],
    snippet: {
      title: 'Or in the Tasmota console:',
      text: `Backlog MqttHost ${host}; MqttPort ${port}; MqttUser ${id}; MqttPassword <key>${topic ? `; Topic ${topic}` : ''}`,
    },
  }),
  shelly: ({ id, host, port, tls, topic }) => ({
    where:
      'Gen2 and later: Settings → MQTT, with RPC status notifications and Generic status updates over MQTT on. Gen1: Internet & Security → Advanced – Developer Settings.',
    rows: [
      ['Server', `${host}:${port}${tls ? ' (MQTT over TLS)' : ''}`],
      ['Client ID', 'the Shelly id (the default)'],
      ['Username', id],
      ['Password', 'the key above'],
      ['MQTT prefix', topic ?? KEPT],
      ['Enable RPC over MQTT', 'on (the hub switches through it)'],
    ],
    snippet: {
      title: 'Or over the Shelly’s RPC (Gen2 and later), then Shelly.Reboot:',
      text: JSON.stringify({
        method: 'MQTT.SetConfig',
        params: {
          config: {
            enable: true,
            server: `${host}:${port}`,
            user: id,
            pass: '<key>',
            ...(topic ? { topic_prefix: topic } : {}),
            rpc_ntf: true,
            status_ntf: true,
            enable_rpc: true,
          },
        },
      }),
    },
  }),
  homie: ({ id, host, port, tls, topic }) => {
    const split = topic?.lastIndexOf('/') ?? -1;
    const base = topic && split > 0 ? topic.slice(0, split + 1) : null;
    const deviceId = topic && split > 0 ? topic.slice(split + 1) : null;
    return {
      where: 'In the device’s configuration (homie-esp8266: the mqtt section of its config.json).',
      rows: [
        ['Host', host],
        ['Port', portText(port, tls)],
        ['Username', `${id} (homie-esp8266: "auth": true)`],
        ['Password', 'the key above'],
        ['Base topic', base ?? KEPT],
        ['Homie device id', deviceId ?? KEPT],
      ],
      snippet: {
        title: 'homie-esp8266 config.json:',
        text: JSON.stringify(
          {
            ...(deviceId ? { device_id: deviceId } : {}),
            mqtt: { host, port, ...(base ? { base_topic: base } : {}), auth: true, username: id, password: '<key>' },
          },
          null,
          2,
        ),
      },
    };
  },
  esphome: ({ id, host, port, tls, topic }) => ({
    where: 'In the node’s YAML, then install it on the node again.',
    rows: [
      ['broker', host],
      ['port', portText(port, tls)],
      ['username', id],
      ['password', 'the key above (in secrets.yaml)'],
      ['topic_prefix', topic ?? KEPT],
    ],
    snippet: {
      title: 'The node’s mqtt section (topic_prefix only when it is not the node name):',
      text: [
        'mqtt:',
        `  broker: ${host}`,
        `  port: ${port}`,
        `  username: ${id}`,
        '  password: !secret hub_key',
        ...(topic ? [`  topic_prefix: ${topic}`] : []),
      ].join('\n'),
    },
  }),
};
