// MQTT devices restated from src/device-client/client.ts over the real MessageQueue (with a
// queue file or without), sending `first` = oldest queued seq on every message, numbering only
// after the resume answer, dropping a message the hub refuses for good.
import { rmSync } from 'node:fs';
import { MessageQueue, encodeTelemetry, encodedSize, type QueuedMessage } from '../../src/device-client/queue.js';
import { MqttConn, type Downlink } from './sim-hub-mqtt.js';
import { valuesOf, type Book } from './sim-book.js';
import { T0, type Actor, type World } from './sim-world.js';

const READING_REFUSALS = new Set(['bad_value', 'bad_reading']);

/** A body the hub's codec refuses for good (a ts that is not an integer), with a tracked value. */
export function malformedBody(value: number): Record<string, unknown> {
  return { ts: 1.5, readings: { v: value } };
}

/** A body over the hub's payload limit. */
export function oversizedBody(value: number): Record<string, unknown> {
  const readings: Record<string, number> = { v: value };
  for (let i = 0; i < 40; i++) readings[`pad${i}`] = 0;
  return { readings };
}

export class ClientActor implements Actor {
  private queue: MessageQueue;
  private conn: MqttConn | null = null;
  private live = false;
  private limit: number | null = null;
  private reconnectAt = 0;
  private tsOffset = 0;
  /** Bodies the device built to be refused: dropping them on refusal is their own doing. */
  private readonly doomed = new Set<number>();

  constructor(
    readonly deviceId: string,
    private readonly book: Book,
    private readonly world: World,
    private readonly queueFile: string | undefined,
    private readonly timed: boolean,
  ) {
    this.queue = new MessageQueue(queueFile);
    this.queue.load();
  }

  backlog(): number {
    return this.queue.size;
  }

  tick(): void {
    const w = this.world;
    if (this.conn && !this.conn.open) {
      for (const msg of this.conn.downlink.splice(0)) this.onMessage(msg);
      this.conn = null;
      this.live = false;
      this.reconnectAt = w.step + w.rng.range(1, 10);
    }
    if (!this.conn && w.step >= this.reconnectAt) this.connect();
    const n = w.rng.range(0, 3);
    for (let i = 0; i < n && this.conn?.downlink.length; i++) this.onMessage(this.conn.downlink.shift()!);
    if (w.faulting && w.rng.chance(0.3)) this.sample();
  }

  reboot(saved: boolean): void {
    this.world.counts.fault(saved ? 'clientRebootSaved' : 'clientRebootFresh');
    if (this.conn) this.world.mqtt().close(this.conn, 'device power loss');
    this.conn = null;
    this.live = false;
    this.reconnectAt = this.world.step + this.world.rng.range(1, 5);
    if (!saved || !this.queueFile) {
      for (const m of this.queue.pending()) for (const v of valuesOf(m.body)) this.book.free(v, 'reboot', m.seq);
      if (this.queueFile) rmSync(this.queueFile, { force: true });
      this.book.endNumbering();
    }
    this.queue = new MessageQueue(this.queueFile);
    this.queue.load();
  }

  private sample(): void {
    const w = this.world;
    const roll = w.rng.float();
    const value = this.book.create();
    let body: Record<string, unknown>;
    if (roll < 0.03) body = malformedBody(value);
    else if (roll < 0.06) body = oversizedBody(value);
    else if (roll < 0.25) body = { batch: [{ readings: { v: value } }, { readings: { v: this.book.create() } }] };
    else body = { readings: { v: value } };
    if (this.timed && !('ts' in body)) {
      if (Array.isArray(body.batch)) for (const g of body.batch as Array<Record<string, unknown>>) g.ts = this.nextTs();
      else body.ts = this.nextTs();
    }
    if (this.limit !== null && encodedSize(body) > this.limit) {
      // The client throws a RangeError: the sample never enters the stream.
      for (const v of valuesOf(body)) this.book.free(v, 'tooLarge', null);
      return;
    }
    const message = this.queue.push(body);
    if (roll < 0.03) this.doomed.add(value);
    if (this.live) this.publish(message);
  }

  private nextTs(): number {
    return T0 + this.world.step * 100 + (this.tsOffset++ % 50);
  }

  private connect(): void {
    this.conn = new MqttConn(this.deviceId, this.deviceId);
    this.world.mqtt().connect(this.conn);
    const t = (k: string) => `devices/${this.deviceId}/${k}`;
    this.conn.send({ kind: 'subscribe', topics: [t('ack'), t('cmd'), t('error')] });
  }

  private onMessage(msg: Downlink): void {
    if (msg.kind === 'ack') this.onAck(msg.body.h ?? null, msg.body.maxPayload);
    else if (msg.kind === 'error') this.onError(msg.body);
  }

  private onAck(h: number | null, maxPayload: unknown): void {
    const resume = typeof maxPayload === 'number' && maxPayload > 0;
    if (!this.live && !resume) return;
    const before = new Map(this.queue.pending().map((m) => [m, m.seq]));
    if (resume) {
      this.limit = maxPayload as number;
      const fresh = (this.queue as unknown as { fresh: boolean }).fresh;
      const dropped = this.queue.resume(h, (m) => encodedSize(m.body) > (maxPayload as number));
      // A queue that renumbers at this resume gives the dropped message's seq to the next one.
      const renumbered = fresh || [...before].some(([m, seq]) => m.seq !== seq);
      for (const m of dropped) for (const v of valuesOf(m.body)) this.book.free(v, 'tooLarge', renumbered ? null : m.seq);
      this.noteAcked(before, new Set(dropped), h);
      for (const m of this.queue.pending()) this.publish(m);
      this.live = true;
    } else {
      this.queue.ack(h);
      this.noteAcked(before, new Set(), h);
    }
  }

  private noteAcked(before: Map<QueuedMessage, number>, dropped: Set<QueuedMessage>, h: number | null): void {
    const still = new Set(this.queue.pending());
    for (const [m, seq] of before) if (!still.has(m) && !dropped.has(m)) this.book.acked(valuesOf(m.body), seq, h!);
  }

  private onError(body: Record<string, any>): void {
    const final = typeof body.seq === 'number' && body.resend !== true && !READING_REFUSALS.has(String(body.code));
    if (!final || (body.topic !== undefined && body.topic !== `devices/${this.deviceId}/telemetry`)) return;
    const message = this.queue.pending().find((m) => m.seq === body.seq);
    if (!message || !this.queue.drop(body.seq)) return;
    const own = valuesOf(message.body).some((v) => this.doomed.has(v)) || encodedSize(message.body) > (this.limit ?? Infinity);
    for (const v of valuesOf(message.body)) this.book.free(v, 'refused', body.seq, !own);
  }

  private publish(message: QueuedMessage): void {
    const payload = Buffer.from(encodeTelemetry(message.seq, this.queue.first, message.body));
    this.conn?.send({ kind: 'publish', topic: `devices/${this.deviceId}/telemetry`, payload });
  }
}
