// The bridge's one MQTT connection to the broker Home Assistant uses. mqtt.js reconnects on its
// own; this sets its wait before each attempt, doubling from 250 ms up to a ceiling and back to
// the start after a connection, so a broker that is down for an hour costs a few hundred attempts
// and one that restarts is back within a second. The last will marks the bridge offline when the
// connection dies without a goodbye. Connection changes are logged once each, not per attempt.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { HubLogger } from '../../core/logger.js';

export interface BrokerLinkOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  /** Published by the broker, retained, when the connection is lost without a disconnect. */
  will: { topic: string; payload: string };
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface BrokerLinkHandlers {
  /** After every (re)connection: subscribe and publish what the broker should hold. */
  onConnect(): void;
  /** `retained`: replayed from the broker's store on subscribe, not sent just now. */
  onMessage(topic: string, payload: Buffer, retained: boolean): void;
}

export interface LinkHealth {
  ok: boolean;
  detail?: string;
  url: string;
  connected: boolean;
  connects: number;
  since: number | null;
}

export class BrokerLink {
  private client: MqttClient | null = null;
  private connects = 0;
  private since: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly options: BrokerLinkOptions,
    private readonly handlers: BrokerLinkHandlers,
    private readonly log: HubLogger,
  ) {}

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Starts connecting and returns: an unreachable broker must not keep the hub from starting. */
  start(): void {
    const { url, username, password, clientId, will, reconnectMinMs = 250, reconnectMaxMs = 10_000 } = this.options;
    const options: IClientOptions = {
      clientId,
      clean: true,
      reconnectPeriod: reconnectMinMs,
      connectTimeout: 10_000,
      keepalive: 30,
      // Subscriptions are made again in onConnect, after every connection.
      resubscribe: false,
      // Nothing piles up while the broker is away: the bridge republishes everything on connect.
      queueQoSZero: false,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
    };
    const client = mqtt.connect(url, options);
    this.client = client;
    client.on('connect', () => {
      this.connects += 1;
      this.since = Date.now();
      this.lastError = null;
      client.options.reconnectPeriod = reconnectMinMs;
      this.log.info({ url: redact(url), connects: this.connects }, 'connected to the Home Assistant broker');
      this.handlers.onConnect();
    });
    client.on('close', () => {
      if (this.since !== null) this.log.warn({ url: redact(url) }, 'lost the Home Assistant broker; reconnecting with backoff');
      this.since = null;
      client.options.reconnectPeriod = Math.min(reconnectMaxMs, (client.options.reconnectPeriod ?? reconnectMinMs) * 2);
    });
    client.on('error', (err) => {
      if (err.message === this.lastError) return;
      this.lastError = err.message;
      this.log.warn({ url: redact(url), err: err.message }, 'Home Assistant broker connection failed; retrying');
    });
    client.on('message', (topic, payload, packet) => this.handlers.onMessage(topic, payload, packet.retain));
  }

  /** Publishes when connected; while not, drops it (everything is republished on connect). */
  publish(topic: string, payload: string, options: { retain: boolean; qos: 0 | 1 }): void {
    const client = this.client;
    if (!client?.connected) return;
    client.publish(topic, payload, options, (err) => {
      if (err) this.log.debug({ topic, err: err.message }, 'publish to the Home Assistant broker failed');
    });
  }

  subscribe(filters: string[]): void {
    this.client?.subscribe(filters, { qos: 1 }, (err) => {
      if (err) this.log.warn({ filters, err: err.message }, 'subscription at the Home Assistant broker failed');
    });
  }

  /** Flushes what was published (the offline status first of all) and disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync();
  }

  health(): LinkHealth {
    const base = { url: redact(this.options.url), connected: this.connected, connects: this.connects, since: this.since };
    if (this.connected) return { ok: true, ...base };
    return { ok: false, detail: this.lastError ? `not connected: ${this.lastError}` : 'not connected', ...base };
  }
}

/** The broker URL without a password that may be written into it. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
