// A raw mqtt.js device that behaves like the ESP32 sketch (firmware/esp32-mqtt): a RAM ring of
// unacked messages that drops its oldest when full, numbering after the hub's head on a fresh
// boot, `first` (its oldest held seq) on every message, the whole backlog resent after the
// resume answer, and a message given up when the hub refuses it for good. The sketch itself
// cannot run here (no ESP32 toolchain or simulator), so its outbox logic is restated in
// TypeScript; the protocol it speaks goes over a real socket to the real broker.
import mqtt, { type MqttClient } from 'mqtt';
import { seqAfter, seqNext } from '../../src/core/model.js';

export interface RingMessage {
  seq: number;
  body: Record<string, unknown>;
}

export interface RingDeviceOptions {
  url: string;
  deviceId: string;
  key: string;
  capacity: number;
  clientId?: string;
}

export class RingDevice {
  ring: RingMessage[] = [];
  /** Messages the ring dropped because it was full, and those given up after a final refusal. */
  readonly overflowed: number[] = [];
  readonly givenUp: number[] = [];
  readonly errors: Array<{ code: string; seq?: number; resend?: boolean }> = [];
  head: number | null = null;
  /** Unnumbered until the first resume answer (a fresh boot numbers after the hub's head). */
  private nextSeq: number | null = null;
  private pendingBodies: Array<Record<string, unknown>> = [];
  private client: MqttClient | null = null;
  private live = false;
  private reconnecting = false;
  connections = 0;

  constructor(readonly options: RingDeviceOptions) {}

  get isLive(): boolean {
    return this.live;
  }

  /** Connects, subscribes, and waits for the resume answer. */
  async connect(): Promise<void> {
    const { url, deviceId, key, clientId = deviceId } = this.options;
    const client = mqtt.connect(url, {
      clientId,
      username: deviceId,
      password: key,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    this.client = client;
    this.live = false;
    this.connections += 1;
    client.on('error', () => {});
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = null;
      this.live = false;
      if (this.reconnecting) setTimeout(() => void this.connect().catch(() => {}), 50);
    });
    const resumed = new Promise<void>((resolve) =>
      client.on('message', (topic, payload) => {
        if (this.client !== client) return;
        const body = JSON.parse(payload.toString());
        if (topic.endsWith('/ack')) this.onAck(body, resolve);
        else if (topic.endsWith('/error')) this.onError(body);
      }),
    );
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync([`devices/${deviceId}/ack`, `devices/${deviceId}/error`], { qos: 1 });
    await resumed;
  }

  /** Takes a sample: into the ring (dropping the oldest when full), sent at once when live. */
  sample(readings: Record<string, number>, ts?: number): void {
    const body = ts === undefined ? { readings } : { ts, readings };
    if (this.nextSeq === null) {
      this.pendingBodies.push(body);
      return;
    }
    this.push({ seq: this.nextSeq, body });
    this.nextSeq = seqNext(this.nextSeq);
  }

  /** Reconnects by itself after the connection closes, as the sketch's loop() does. */
  keepConnected(): void {
    this.reconnecting = true;
  }

  /** Publishes a raw telemetry body as is (a stray or hostile message). */
  publishRaw(body: Record<string, unknown>): void {
    this.client?.publish(`devices/${this.options.deviceId}/telemetry`, JSON.stringify(body), { qos: 1 });
  }

  /** Loses the connection without DISCONNECT. */
  cut(): void {
    this.client?.stream.destroy();
    this.client = null;
    this.live = false;
  }

  /** Power loss: the RAM ring and the numbering are gone. */
  reboot(): void {
    this.cut();
    for (const m of this.ring) this.overflowed.push(m.seq);
    this.ring = [];
    this.pendingBodies = [];
    this.nextSeq = null;
  }

  async close(): Promise<void> {
    this.reconnecting = false;
    const client = this.client;
    this.client = null;
    this.live = false;
    await client?.endAsync().catch(() => {});
  }

  private push(message: RingMessage): void {
    if (this.ring.length >= this.options.capacity) this.overflowed.push(this.ring.shift()!.seq);
    this.ring.push(message);
    if (this.live) this.send(message);
  }

  private send(message: RingMessage): void {
    const first = this.ring[0]?.seq ?? message.seq;
    this.client?.publish(`devices/${this.options.deviceId}/telemetry`, JSON.stringify({ seq: message.seq, first, ...message.body }), {
      qos: 1,
    });
  }

  private onAck(body: { h: number | null; maxPayload?: number }, resumed: () => void): void {
    const h = body.h;
    this.head = h;
    if (h !== null) this.ring = this.ring.filter((m) => seqAfter(h, m.seq));
    // Only the resume answer (it carries maxPayload) may number a fresh boot's samples.
    if (body.maxPayload === undefined || this.live) return;
    if (this.nextSeq === null) {
      this.nextSeq = h === null ? 0 : seqNext(h);
      for (const b of this.pendingBodies.splice(0)) this.sample(b.readings as Record<string, number>, b.ts as number | undefined);
    }
    this.live = true;
    for (const m of this.ring) this.send(m);
    resumed();
  }

  private onError(body: { code: string; seq?: number; resend?: boolean }): void {
    this.errors.push(body);
    if (body.seq === undefined || body.resend) return;
    const before = this.ring.length;
    this.ring = this.ring.filter((m) => m.seq !== body.seq);
    if (this.ring.length < before) this.givenUp.push(body.seq);
  }
}
