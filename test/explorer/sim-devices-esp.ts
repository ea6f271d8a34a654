// A raw "ESP32-like" MQTT device, restated from firmware/esp32-mqtt (outbox.h and the sketch's
// loop) and test/helpers/ring-device.ts: a small RAM ring that drops its oldest when full, no
// numbering until the first resume answer (the ack with maxPayload) after a fresh boot, plain
// acks ignored while awaiting it, the whole backlog resent after it, `first` on every message,
// a message given up on a final refusal. `conforming: false` is the ring-device of the tests,
// which does not check maxPayload, so the hub's own too_large refusal is exercised.
import { seqAfter, seqNext } from '../../src/core/model.js';
import { MqttConn, type Downlink } from './sim-hub-mqtt.js';
import { oversizedBody } from './sim-devices-mqtt.js';
import { valuesOf, type Book } from './sim-book.js';
import type { Actor, World } from './sim-world.js';

interface Message {
  seq: number;
  body: Record<string, unknown>;
}

export class EspActor implements Actor {
  private ring: Message[] = [];
  private hasSeq = false;
  private nextSeq = 0;
  private awaitingHead = true;
  private maxPayload = 0;
  private conn: MqttConn | null = null;
  private reconnectAt = 0;

  constructor(
    readonly deviceId: string,
    private readonly book: Book,
    private readonly world: World,
    private readonly capacity: number,
    private readonly conforming: boolean,
  ) {}

  backlog(): number {
    return this.ring.length;
  }

  tick(): void {
    const w = this.world;
    if (this.conn && !this.conn.open) {
      for (const msg of this.conn.downlink.splice(0)) this.onMessage(msg);
      this.conn = null;
      this.reconnectAt = w.step + w.rng.range(1, 10);
    }
    if (!this.conn && w.step >= this.reconnectAt) this.connect();
    const n = w.rng.range(0, 3);
    for (let i = 0; i < n && this.conn?.downlink.length; i++) this.onMessage(this.conn.downlink.shift()!);
    if (w.faulting && w.rng.chance(0.3)) this.sample();
  }

  reboot(): void {
    this.world.counts.fault('espReboot');
    if (this.conn) this.world.mqtt().close(this.conn, 'device power loss');
    this.conn = null;
    this.reconnectAt = this.world.step + this.world.rng.range(1, 5);
    for (const m of this.ring) for (const v of valuesOf(m.body)) this.book.free(v, 'reboot', this.hasSeq ? m.seq : null);
    this.ring = [];
    this.book.endNumbering();
    this.hasSeq = false;
    this.nextSeq = 0;
  }

  private sample(): void {
    const value = this.book.create();
    const body = !this.conforming && this.world.rng.chance(0.05) ? oversizedBody(value) : { readings: { v: value } };
    if (this.ring.length === this.capacity) {
      const gone = this.ring.shift()!;
      this.world.counts.saw('ringOverflow');
      for (const v of valuesOf(gone.body)) this.book.free(v, 'overflow', this.hasSeq ? gone.seq : null);
    }
    const m = { seq: this.hasSeq ? this.nextSeq : 0, body };
    if (this.hasSeq) this.nextSeq = seqNext(this.nextSeq);
    this.ring.push(m);
    if (this.hasSeq && this.conn?.open && !this.awaitingHead) this.publish(m);
  }

  private connect(): void {
    this.conn = new MqttConn(this.deviceId, this.deviceId);
    this.world.mqtt().connect(this.conn);
    const t = (k: string) => `devices/${this.deviceId}/${k}`;
    this.conn.send({ kind: 'subscribe', topics: [t('ack'), t('cmd'), t('error')] });
    this.awaitingHead = true;
  }

  private oldest(): number {
    return this.ring.length > 0 ? this.ring[0].seq : this.nextSeq;
  }

  private onMessage(msg: Downlink): void {
    if (msg.kind === 'error') {
      this.onError(msg.body);
      return;
    }
    if (msg.kind !== 'ack') return;
    const resume = msg.body.maxPayload !== undefined && msg.body.maxPayload !== null;
    if (this.awaitingHead && !resume) return;
    if (resume) this.maxPayload = msg.body.maxPayload;
    const h: number | null = msg.body.h ?? null;
    if (!this.hasSeq) {
      this.hasSeq = true;
      this.nextSeq = h === null ? 0 : seqNext(h);
      for (const m of this.ring) {
        m.seq = this.nextSeq;
        this.nextSeq = seqNext(this.nextSeq);
      }
    } else if (h !== null) {
      while (this.ring.length > 0 && !seqAfter(h, this.ring[0].seq)) {
        const m = this.ring.shift()!;
        this.book.acked(valuesOf(m.body), m.seq, h);
      }
    }
    if (resume) {
      this.awaitingHead = false;
      for (const m of [...this.ring]) this.publish(m);
    }
  }

  private onError(body: Record<string, any>): void {
    if (typeof body.seq !== 'number' || body.resend === true) return;
    if (body.code === 'bad_value' || body.code === 'bad_reading') return;
    if (body.topic !== undefined && body.topic !== `devices/${this.deviceId}/telemetry`) return;
    this.drop(body.seq, 'refused', body.code !== 'too_large' || !this.isOversized(body.seq));
  }

  private isOversized(seq: number): boolean {
    const m = this.ring.find((x) => x.seq === seq);
    return m !== undefined && Object.keys((m.body.readings ?? {}) as object).length > 1;
  }

  private drop(seq: number, fate: 'refused' | 'tooLarge', collateral: boolean): void {
    const i = this.ring.findIndex((m) => m.seq === seq);
    if (i < 0) return;
    const [m] = this.ring.splice(i, 1);
    for (const v of valuesOf(m.body)) this.book.free(v, fate, seq, collateral);
  }

  private publish(m: Message): void {
    const payload = JSON.stringify({ seq: m.seq, first: this.oldest(), ...m.body });
    if (this.conforming && this.maxPayload !== 0 && payload.length > this.maxPayload) {
      this.drop(m.seq, 'tooLarge', false);
      return;
    }
    this.conn?.send({ kind: 'publish', topic: `devices/${this.deviceId}/telemetry`, payload: Buffer.from(payload) });
  }
}
