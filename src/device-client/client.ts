// The device side of topic scheme v1 (docs/protocol.md), for the simulator, tests, benchmarks
// and anyone writing a device in Node.js:
//
//   const device = new DeviceClient({ url: 'mqtt://hub:1883', deviceId: 'kitchen', key, meta });
//   await device.start();                       // connected and resumed
//   device.send({ temperature: 21.5 });         // queued, sent, kept until the hub acks it
//   await device.drained();                     // everything sent is durable in the hub
//
// Each connection is a fresh mqtt.js client with a clean session and no automatic reconnect:
// the stream is resumed by this class alone (the hub's head `h`, then the backlog after it),
// so no library-level resend can reach the hub out of order. The last will marks the device
// offline when its connection dies; commands are answered on cmd/ack.
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { MessageQueue } from './queue.js';

export interface DeviceMetaBody {
  name?: string;
  firmware?: string;
  sampleIntervalMs?: number;
  metrics?: Array<{ name: string; unit?: string }>;
  actuators?: Array<{ name: string; type: 'led' | 'relay' | 'pwm' | 'servo' }>;
}

export interface DeviceCommand {
  id: string;
  action: string;
  params: Record<string, unknown>;
  expiresAt: number;
}

export type CommandResult = { ok: true } | { ok: false; error: string };

export interface DeviceClientOptions {
  /** mqtt://, mqtts:// or ws:// URL of the hub's broker. */
  url: string;
  deviceId: string;
  /** The device key from provisioning; without it the client connects anonymously. */
  key?: string;
  meta?: DeviceMetaBody;
  /** File that keeps unacked messages across restarts; memory only when absent. */
  queueFile?: string;
  onCommand?: (command: DeviceCommand) => CommandResult | Promise<CommandResult>;
  keepaliveSeconds?: number;
  reconnectDelayMs?: number;
  /** Extra mqtt.js options (TLS `ca`, `rejectUnauthorized`, WebSocket options). */
  mqtt?: Partial<IClientOptions>;
}

export interface DeviceClientEvents {
  ack: [h: number | null];
  refused: [body: { reason: string; topic?: string; seq?: number }];
  connected: [];
  disconnected: [];
  /** A connection attempt or connection failed (refused login, unreachable hub); the client retries unless stopped. */
  failure: [err: Error];
}

export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  private readonly queue: MessageQueue;
  private client: MqttClient | null = null;
  private live = false;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastH: number | null = null;
  private readonly answered = new Map<string, CommandResult>();

  constructor(readonly options: DeviceClientOptions) {
    super();
    this.queue = new MessageQueue(options.queueFile);
  }

  /** Connects; resolves once the hub has told its head and the backlog is on its way. Rejects if the hub refuses the login. */
  async start(): Promise<void> {
    this.queue.load();
    this.stopped = false;
    await new Promise<void>((resolve, reject) => {
      const onResumed = () => { this.off('failure', onError); resolve(); };
      const onError = (err: Error) => { this.off('connected', onResumed); void this.stop(); reject(err); };
      this.once('connected', onResumed);
      this.once('failure', onError);
      this.connect();
    });
  }

  /** Queues one sample (`ts` in Unix ms, the hub's receive time when absent); returns its seq. */
  send(readings: Record<string, number>, ts?: number): number {
    return this.enqueue(ts === undefined ? { readings } : { ts, readings });
  }

  /** Queues several samples as one message (one seq). */
  sendBatch(samples: Array<{ ts?: number; readings: Record<string, number> }>): number {
    return this.enqueue({ batch: samples });
  }

  /** The newest head the hub acked. */
  get head(): number | null {
    return this.lastH;
  }

  /** Messages not yet acked by the hub. */
  get backlog(): number {
    return this.queue.size;
  }

  get connected(): boolean {
    return this.live;
  }

  /** Resolves when every queued message has been acked (durable in the hub). */
  drained(timeoutMs = 30_000): Promise<void> {
    if (this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.off('ack', check); reject(new Error(`${this.queue.size} messages still unacked after ${timeoutMs} ms`)); }, timeoutMs);
      const check = () => {
        if (this.queue.size > 0) return;
        clearTimeout(timer);
        this.off('ack', check);
        resolve();
      };
      this.on('ack', check);
    });
  }

  /** Goes offline politely: retained `offline` status, then DISCONNECT (no last will). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    this.live = false;
    if (!client) return;
    if (client.connected) await client.publishAsync(this.topic('status'), 'offline', { qos: 1, retain: true }).catch(() => {});
    await client.endAsync().catch(() => {});
  }

  /** Drops the connection without DISCONNECT, as a power loss or a cut cable would; reconnects unless `stay`. */
  cut(options: { stay?: boolean } = {}): void {
    if (options.stay) {
      this.stopped = true;
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    }
    this.client?.stream.destroy();
  }

  private enqueue(body: Record<string, unknown>): number {
    const message = this.queue.push(body);
    if (this.live) this.publish(message.seq, message.body);
    return message.seq;
  }

  private connect(): void {
    const { deviceId, key, keepaliveSeconds = 30 } = this.options;
    const client = mqtt.connect(this.options.url, {
      ...this.options.mqtt,
      clientId: deviceId,
      ...(key !== undefined && { username: deviceId, password: key }),
      clean: true,
      reconnectPeriod: 0,
      keepalive: keepaliveSeconds,
      will: { topic: this.topic('status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      client.subscribe([this.topic('ack'), this.topic('cmd'), this.topic('error')], { qos: 1 });
      client.publish(this.topic('status'), 'online', { qos: 1, retain: true });
      if (this.options.meta) client.publish(this.topic('meta'), JSON.stringify(this.options.meta), { qos: 1, retain: true });
    });
    client.on('message', (topic, payload) => this.onMessage(client, topic, payload));
    client.on('error', (err) => this.emit('failure', err));
    client.on('close', () => this.onClose(client));
  }

  private onClose(client: MqttClient): void {
    if (this.client !== client) return;
    this.client = null;
    const wasLive = this.live;
    this.live = false;
    client.end(true);
    if (wasLive) this.emit('disconnected');
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => this.connect(), this.options.reconnectDelayMs ?? 1_000);
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer): void {
    if (this.client !== client) return;
    let body: any;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // the hub sends JSON only; anything else is not ours to act on
    }
    if (topic === this.topic('ack')) this.onAck(body?.h ?? null);
    else if (topic === this.topic('cmd')) void this.onCommand(client, body);
    else if (topic === this.topic('error')) this.emit('refused', body);
  }

  private onAck(h: number | null): void {
    this.lastH = h;
    if (!this.live) {
      // The first ack on a connection is the resume point: resend everything after it, in order.
      this.queue.resume(h);
      for (const m of this.queue.pending()) this.publish(m.seq, m.body);
      this.live = true;
      this.emit('connected');
    } else {
      this.queue.ack(h);
    }
    this.emit('ack', h);
  }

  private async onCommand(client: MqttClient, command: DeviceCommand): Promise<void> {
    if (typeof command?.id !== 'string') return;
    // A redelivered command is answered again with the first answer, not applied twice.
    let result = this.answered.get(command.id);
    if (!result) {
      try {
        result = this.options.onCommand ? await this.options.onCommand(command) : { ok: false, error: 'this device takes no commands' };
      } catch (err) {
        result = { ok: false, error: (err as Error).message };
      }
      this.answered.set(command.id, result);
      if (this.answered.size > 1000) this.answered.delete(this.answered.keys().next().value!);
    }
    client.publish(this.topic('cmd/ack'), JSON.stringify({ id: command.id, ...result }), { qos: 1 });
  }

  private publish(seq: number, body: Record<string, unknown>): void {
    this.client?.publish(this.topic('telemetry'), JSON.stringify({ seq, ...body }), { qos: 1 });
  }

  private topic(kind: string): string {
    return `devices/${this.options.deviceId}/${kind}`;
  }
}
