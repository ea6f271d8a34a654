// Devices of four families played by real MQTT clients (mqtt.js, logged in with the device's id
// and key) for the dashboard's dialect test: each connects with its family's last will, subscribes
// to its own command topic, publishes its messages (the shared fixtures where they exist, see
// dialects.source.md) and answers the hub's commands as the real device does.
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { TestHub } from '../helpers/hub.ts';
import { TEMPERATURE_CONFIG } from '../transports/mqtt/dialects/esphome/esphome-messages.ts';
import { rawClient } from '../transports/mqtt/mqtt-helpers.ts';

export interface Message {
  topic: string;
  payload: string;
}

export interface PlayedDevice {
  client: MqttClient;
  /** The commands the device received from the hub, in order. */
  received: Message[];
  /** Publishes what the device reports: its presence, readings and the state that declares its relay. */
  report(): Promise<void>;
}

export type Family = 'tasmota' | 'shelly' | 'homie' | 'esphome';

export const TASMOTA_TOPIC = 'tasmota_49A3BC';
export const SHELLY_PREFIX = 'shellies/plus1pm';
export const HOMIE_BASE = 'sknSensors/LocationName';
/** The ESPHome node is provisioned without a topic, so its prefix is its hub id: the node's name. */
export const ESPHOME_NODE = 'livingroom';

const fixture = (name: string): Message[] =>
  readFileSync(new URL(`./dialects.${name}.jsonl`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Message);

/** Connects the device of `family` logged in as `id` with `key`; end its client after the test. */
export async function playDevice(hub: TestHub, family: Family, id: string, key: string): Promise<PlayedDevice> {
  const { clientId, will, commands, answer, messages, retain } = FAMILIES[family](id);
  const client = await rawClient(hub, { clientId, username: id, password: key, will: { ...will, qos: 1, retain: true } });
  const received: Message[] = [];
  client.on('message', (topic, payload) => {
    const command = { topic, payload: payload.toString() };
    received.push(command);
    for (const reply of answer(command)) void client.publishAsync(reply.topic, reply.payload, { qos: 1, retain });
  });
  await client.subscribeAsync(commands, { qos: 1 });
  const report = async () => {
    for (const m of messages()) await client.publishAsync(m.topic, m.payload, { qos: 1, retain });
  };
  return { client, received, report };
}

interface FamilyPlay {
  clientId: string;
  will: { topic: string; payload: Buffer };
  commands: string;
  /** Whether the family retains what it publishes (Homie and ESPHome do by default). */
  retain: boolean;
  /** The device's answer to a command it received. */
  answer(command: Message): Message[];
  messages(): Message[];
}

const FAMILIES: { [K in Family]: (id: string) => FamilyPlay } = {
  // FullTopic %topic%/%prefix%/, as the device of the fixtures uses; the hub answers in that order.
  tasmota: () => ({
    retain: false,
    clientId: 'DVES_49A3BC',
    will: { topic: `${TASMOTA_TOPIC}/tele/LWT`, payload: Buffer.from('Offline') },
    commands: `${TASMOTA_TOPIC}/cmnd/#`,
    // Tasmota reports a switched relay on RESULT and on POWER (docs/MQTT.md, command flow).
    answer: ({ topic, payload }) =>
      topic === `${TASMOTA_TOPIC}/cmnd/POWER` && /^(ON|OFF)$/.test(payload)
        ? [
            { topic: `${TASMOTA_TOPIC}/stat/RESULT`, payload: JSON.stringify({ POWER: payload }) },
            { topic: `${TASMOTA_TOPIC}/stat/POWER`, payload },
          ]
        : [],
    messages: () => [
      { topic: `${TASMOTA_TOPIC}/tele/LWT`, payload: 'Online' },
      // After the tele/…/STATE example of Tasmota's documentation: its relay is off.
      {
        topic: `${TASMOTA_TOPIC}/tele/STATE`,
        payload: '{"Time":"2024-05-01T10:00:00","UptimeSec":404,"POWER":"OFF","Wifi":{"RSSI":78,"Signal":-61}}',
      },
      ...fixture('tasmota'),
    ],
  }),
  // A Shelly Plus 1PM (Gen2): the fixture's status declares switch:0; commands are JSON-RPC on <prefix>/rpc.
  shelly: () => ({
    retain: false,
    clientId: 'shellyplus1pm-4417939341dc',
    will: { topic: `${SHELLY_PREFIX}/online`, payload: Buffer.from('false') },
    commands: `${SHELLY_PREFIX}/rpc`,
    answer: ({ payload }) => {
      const request = JSON.parse(payload) as { id: number; src: string; method: string; params: { id: number; on: boolean } };
      if (request.method !== 'Switch.Set') return [];
      const src = 'shellyplus1pm-4417939341dc';
      // The RPC result on the caller's <src>/rpc, then the notification of the change, as Shelly's Gen2 API documents them.
      const result = { id: request.id, src, dst: request.src, result: { was_on: !request.params.on } };
      const change = { [`switch:${request.params.id}`]: { id: request.params.id, output: request.params.on, source: 'MQTT' } };
      return [
        { topic: `${request.src}/rpc`, payload: JSON.stringify(result) },
        {
          topic: `${SHELLY_PREFIX}/events/rpc`,
          payload: JSON.stringify({
            src,
            dst: `${SHELLY_PREFIX}/events`,
            method: 'NotifyStatus',
            params: { ts: Date.now() / 1000, ...change },
          }),
        },
      ];
    },
    // `online` true is what a Gen2 Shelly publishes on connecting (its documented birth message).
    messages: () => [{ topic: `${SHELLY_PREFIX}/online`, payload: 'true' }, ...fixture('shelly')],
  }),
  // The Homie 3 device of the fixture log, with a relay node added by hand in the convention's format.
  homie: () => ({
    retain: true,
    clientId: 'LocationName',
    will: { topic: `${HOMIE_BASE}/$state`, payload: Buffer.from('lost') },
    commands: `${HOMIE_BASE}/+/+/set`,
    // A Homie device publishes the new value of a property it was told to set.
    answer: ({ topic, payload }) => (topic.endsWith('/set') ? [{ topic: topic.slice(0, -'/set'.length), payload }] : []),
    messages: () => [
      ...fixture('homie'),
      { topic: `${HOMIE_BASE}/$nodes`, payload: 'ambient,presence,relay' },
      { topic: `${HOMIE_BASE}/relay/$name`, payload: 'Relay' },
      { topic: `${HOMIE_BASE}/relay/$type`, payload: 'switch' },
      { topic: `${HOMIE_BASE}/relay/$properties`, payload: 'power' },
      { topic: `${HOMIE_BASE}/relay/power/$name`, payload: 'Power' },
      { topic: `${HOMIE_BASE}/relay/power/$datatype`, payload: 'boolean' },
      { topic: `${HOMIE_BASE}/relay/power/$settable`, payload: 'true' },
      { topic: `${HOMIE_BASE}/relay/power`, payload: 'false' },
    ],
  }),
  // No capture of an ESPHome node's traffic is among the fixtures: these follow the message format
  // of ESPHome's MQTT Client Component documentation (and its discovery config, esphome-messages.ts).
  esphome: () => ({
    retain: true,
    clientId: `${ESPHOME_NODE}-a4cf12abcdef`,
    will: { topic: `${ESPHOME_NODE}/status`, payload: Buffer.from('offline') },
    commands: `${ESPHOME_NODE}/switch/relay/command`,
    answer: ({ topic, payload }) => (topic.endsWith('/command') ? [{ topic: topic.replace(/\/command$/, '/state'), payload }] : []),
    messages: () => [
      { topic: `${ESPHOME_NODE}/status`, payload: 'online' },
      { topic: `homeassistant/sensor/${ESPHOME_NODE}/temperature/config`, payload: TEMPERATURE_CONFIG },
      { topic: `${ESPHOME_NODE}/sensor/temperature/state`, payload: '21.5' },
      { topic: `${ESPHOME_NODE}/binary_sensor/motion/state`, payload: 'ON' },
      { topic: `${ESPHOME_NODE}/switch/relay/state`, payload: 'OFF' },
    ],
  }),
};
