// Home Assistant's side of the broker, played by an mqtt.js client: it subscribes to the
// discovery prefix and the hub's base topic as Home Assistant's MQTT integration does, records
// every message (retained or live) and can send the birth message and commands. It checks each
// discovery topic with the pattern Home Assistant itself matches them with.
import type { TestContext } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { waitFor } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';

export interface Message {
  topic: string;
  payload: string;
  retain: boolean;
}

/** homeassistant/components/mqtt/discovery.py TOPIC_MATCHER, applied to the topic after the prefix (fullmatch). */
export const HA_TOPIC_MATCHER = /^(?<component>\w+)\/(?:(?<node_id>[a-zA-Z0-9_-]+)\/)?(?<object_id>[a-zA-Z0-9_-]+)\/config$/;

export function haAcceptsTopic(topic: string, prefix = 'homeassistant'): boolean {
  return topic.startsWith(`${prefix}/`) && HA_TOPIC_MATCHER.test(topic.slice(prefix.length + 1));
}

export class HomeAssistantSide {
  readonly messages: Message[] = [];
  private readonly latestByTopic = new Map<string, string>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const message = { topic, payload: payload.toString('utf8'), retain: packet.retain };
      this.messages.push(message);
      this.latestByTopic.set(topic, message.payload);
    });
  }

  static async connect(
    t: TestContext,
    url: string,
    options: { username?: string; password?: string; topics?: string[] } = {},
  ): Promise<HomeAssistantSide> {
    const client = await mqtt.connectAsync(url, { username: options.username, password: options.password, reconnectPeriod: 0 });
    teardown(t, () => client.endAsync(true));
    const side = new HomeAssistantSide(client);
    await client.subscribeAsync(options.topics ?? ['homeassistant/#', 'telemetry-hub/#'], { qos: 1 });
    return side;
  }

  latest(topic: string): string | undefined {
    return this.latestByTopic.get(topic);
  }

  /** The config last published on `topic`, parsed; waits until there is one. */
  async config(topic: string): Promise<Record<string, any>> {
    const payload = await waitFor(`a config on ${topic}`, () => this.latest(topic));
    return JSON.parse(payload);
  }

  async state(topic: string, check: (state: Record<string, number>) => boolean = () => true): Promise<Record<string, number>> {
    return waitFor(`a state on ${topic}`, () => {
      const payload = this.latest(topic);
      const state = payload ? JSON.parse(payload) : null;
      return state && check(state) ? state : null;
    });
  }

  async waitForPayload(topic: string, payload: string, since = 0): Promise<Message> {
    return waitFor(`${JSON.stringify(payload)} on ${topic}`, () =>
      this.messages.slice(since).find((m) => m.topic === topic && m.payload === payload),
    );
  }

  configTopics(): string[] {
    return [...this.latestByTopic.keys()].filter((topic) => topic.endsWith('/config'));
  }

  async publish(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain: options.retain ?? false });
  }
}
