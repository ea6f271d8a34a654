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
// so no library-level resend can reach the hub out of order. Every telemetry message declares
// `first`, the oldest seq still queued, so messages the device gave up never stall the stream.
// The resume answer tells the hub's payload limit: larger messages are given up, never sent.
// The last will marks the device offline when its connection dies; commands (commands.ts) are
// applied once per id and answered on cmd/ack.
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { CommandDesk } from './commands.js';
import { encodeTelemetry, encodedSize, MessageQueue, type QueuedMessage } from './queue.js';
import type { DeviceClientEvents, DeviceClientOptions, Refusal } from './types.js';

export type { CommandResult, DeviceCommand } from './commands.js';
export type { DeviceClientEvents, DeviceClientOptions, DeviceMetaBody, Refusal } from './types.js';

/** Error codes the hub sends with a `seq` for one reading of a message it kept. */
const READING_REFUSALS: ReadonlySet<string> = new Set(['bad_value', 'bad_reading']);

export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  private readonly queue: MessageQueue;
  private readonly commands: CommandDesk;
  private client: MqttClient | null = null;
  private live = false;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastH: number | null = null;
  private limit: number | null = null;

  constructor(readonly options: DeviceClientOptions) {
    super();
    this.queue = new MessageQueue(options.queueFile);
    this.commands = new CommandDesk({
      ...(options.queueFile !== undefined && { file: `${options.queueFile}.commands` }),
      ...(options.onCommand && { handler: options.onCommand }),
      publish: (id, result, done) => {
        const client = this.client;
        if (!client?.connected) return false;
        client.publish(this.topic('cmd/ack'), JSON.stringify({ id, ...result }), { qos: 1 }, (err) => done(err));
        return true;
      },
      onError: (err) => this.emit('failure', err),
    });
  }

  /** Connects; resolves once the hub has told its head and the backlog is on its way. Rejects if the hub refuses the login. */
  async start(): Promise<void> {
    this.queue.load();
    this.commands.load();
    this.stopped = false;
    await new Promise<void>((resolve, reject) => {
      const onResumed = () => {
        this.off('failure', onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.off('connected', onResumed);
        void this.stop();
        reject(err);
      };
      this.once('connected', onResumed);
      this.once('failure', onError);
      this.connect();
    });
  }

  /**
   * Queues one sample (`ts` in Unix ms, the hub's receive time when absent); returns its seq.
   * Throws a RangeError when the message is larger than the hub takes (`maxPayload`, known
   * from the first resume; before it the message is queued and dropped at resume if too large).
   */
  send(readings: Record<string, number>, ts?: number): number {
    return this.enqueue(ts === undefined ? { readings } : { ts, readings });
  }

  /** Queues several samples as one message (one seq); throws a RangeError as send() does. */
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

  /** The hub's payload limit in bytes, from its last resume answer; null before the first. */
  get maxPayload(): number | null {
    return this.limit;
  }

  get connected(): boolean {
    return this.live;
  }

  /** Resolves when every queued message has been acked (durable in the hub) or given up. */
  drained(timeoutMs = 30_000): Promise<void> {
    if (this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        this.off('ack', check);
        this.off('refused', check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.queue.size} messages still unacked after ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (this.queue.size > 0) return;
        clearTimeout(timer);
        done();
        resolve();
      };
      this.on('ack', check);
      this.on('refused', check);
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
    if (!client.connected) return void client.end(true);
    // Bounded: when the hub went away under it, an mqtt.js client can still count as connected
    // and wait for a PUBACK that never comes, with nothing left to wake it up.
    let timer: NodeJS.Timeout | undefined;
    const polite = (async () => {
      await client.publishAsync(this.topic('status'), 'offline', { qos: 1, retain: true });
      await client.endAsync();
    })().catch(() => {});
    await Promise.race([polite, new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
    client.end(true);
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
    if (this.limit !== null) {
      const size = encodedSize(body);
      if (size > this.limit)
        throw new RangeError(`telemetry message of ${size} bytes is larger than the hub takes (${this.limit} bytes); split it`);
    }
    const message = this.queue.push(body);
    if (this.live) this.publish(message);
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
    // biome-ignore lint/suspicious/noExplicitAny: parsed JSON from the hub, checked field by field below
    let body: any;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // the hub sends JSON only; anything else is not ours to act on
    }
    if (typeof body !== 'object' || body === null) return;
    if (topic === this.topic('ack')) {
      this.onAck(body.h ?? null, body.maxPayload);
    } else if (topic === this.topic('cmd')) {
      this.emit('command', body);
      this.commands.receive(body);
    } else if (topic === this.topic('error')) {
      this.onError(body);
    }
  }

  /**
   * The ack carrying `maxPayload` is the resume answer: sent once the hub has made durable all
   * it took from this device. Plain acks that arrive before it on a new connection (the old
   * connection's writes finishing) are left alone: a fresh queue must not be numbered after a
   * head that still has writes behind it.
   */
  private onAck(h: number | null, maxPayload: unknown): void {
    const resume = typeof maxPayload === 'number' && maxPayload > 0;
    if (!this.live && !resume) return;
    this.lastH = h;
    if (resume) {
      this.limit = maxPayload;
      const dropped = this.queue.resume(h, (m) => encodedSize(m.body) > maxPayload);
      for (const m of dropped) {
        this.emit('refused', {
          code: 'too_large',
          local: true,
          topic: this.topic('telemetry'),
          seq: m.seq,
          reason: `message of ${encodedSize(m.body)} bytes is larger than the hub takes (${maxPayload} bytes); dropped unsent`,
        });
      }
      for (const m of this.queue.pending()) this.publish(m);
      const wasLive = this.live;
      this.live = true;
      this.commands.flush();
      if (!wasLive) this.emit('connected');
    } else {
      this.queue.ack(h);
    }
    this.emit('ack', h);
  }

  /**
   * A refusal naming a seq without `resend` is final for that message (unless it names a single
   * reading of a message the hub kept): the device gives the message up, and the next messages
   * declare it gone through `first`. Passing refusals need nothing here: the hub closes the
   * connection and the message is resent after the resume.
   */
  private onError(body: Refusal): void {
    const final = typeof body.seq === 'number' && body.resend !== true && !READING_REFUSALS.has(String(body.code));
    if (final && (body.topic === undefined || body.topic === this.topic('telemetry'))) this.queue.drop(body.seq!);
    this.emit('refused', body);
  }

  private publish(message: QueuedMessage): void {
    this.client?.publish(this.topic('telemetry'), encodeTelemetry(message.seq, this.queue.first, message.body), { qos: 1 });
  }

  private topic(kind: string): string {
    return `devices/${this.options.deviceId}/${kind}`;
  }
}
