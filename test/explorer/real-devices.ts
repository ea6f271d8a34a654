// The MQTT devices of the real-process explorer, each with a ledger kept on the device side:
// which values it sent, which the hub acked to it (they left its buffer because of an ack), and
// which it dropped itself (ring overflow, reboot without saved state, a final refusal). Every
// reading carries one metric `v` whose value is unique in the run, so the store can be checked
// value by value afterwards.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceClient } from '../../src/device-client/client.js';
import { seqAfter } from '../../src/core/model.js';
import { RingDevice } from '../helpers/ring-device.js';

export class Ledger {
  readonly sent = new Set<number>();
  readonly acked = new Set<number>();
  readonly dropped = new Map<number, string>();
  /** Values the device gave up knowingly that the hub must never store (oversized). */
  readonly refusable = new Set<number>();

  constructor(readonly deviceId: string) {}

  ack(values: Iterable<number>): void {
    for (const v of values) this.acked.add(v);
  }

  drop(values: Iterable<number>, why: string): void {
    for (const v of values) this.dropped.set(v, why);
  }
}

const readingOf = (body: Record<string, unknown>): number => (body.readings as { v: number }).v;

function gone(before: Iterable<number>, now: Set<number>): number[] {
  return [...before].filter((v) => !now.has(v));
}

/**
 * src/device-client's DeviceClient, rebooted by replacing it: a new client on the same queue
 * file keeps its unacked messages, one without a file (or a new one) starts fresh.
 */
export class TrackedClient {
  readonly ledger: Ledger;
  device!: DeviceClient;
  private held = new Set<number>();
  private boots = 0;
  private closed = false;
  readonly notes: string[] = [];

  constructor(private readonly options: { url: string; deviceId: string; key: string; dir: string; queueFile: boolean }) {
    this.ledger = new Ledger(options.deviceId);
  }

  /** Boots the first client; resolves once it is connected and resumed. */
  async start(): Promise<void> {
    this.device = this.make(this.options.queueFile ? this.queuePath() : undefined);
    await this.device.start();
  }

  get live(): boolean {
    return this.device.connected;
  }

  get idle(): boolean {
    return this.device.backlog === 0 && this.held.size === 0;
  }

  sample(value: number): void {
    try {
      this.device.send({ v: value });
    } catch (err) {
      this.notes.push(`send of ${value} threw: ${(err as Error).message}`);
      return;
    }
    this.ledger.sent.add(value);
    this.held.add(value);
  }

  cut(): void {
    this.device.cut();
  }

  reboot(saved: boolean): void {
    const old = this.device;
    old.cut({ stay: true });
    old.removeAllListeners();
    if (!saved) {
      this.ledger.drop(this.held, 'client reboot without saved state');
      this.held.clear();
      this.boots += 1;
    }
    this.device = this.make(this.options.queueFile ? this.queuePath() : undefined);
    void this.keepStarting(this.device);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.device.stop();
  }

  /** Values in the client's queue right now (its own state, not a copy kept here). */
  private pending(): Set<number> {
    const queue = (this.device as unknown as { queue: { pending(): Array<{ body: Record<string, unknown> }> } }).queue;
    return new Set(queue.pending().map((m) => readingOf(m.body)));
  }

  private queuePath(): string {
    return join(this.options.dir, `queue-${this.boots}.jsonl`);
  }

  private make(queueFile: string | undefined): DeviceClient {
    if (queueFile && this.boots > 0) rmSync(join(this.options.dir, `queue-${this.boots - 1}.jsonl`), { force: true });
    const device = new DeviceClient({
      url: this.options.url,
      deviceId: this.options.deviceId,
      key: this.options.key,
      queueFile,
      reconnectDelayMs: 100,
      keepaliveSeconds: 5,
    });
    // An ack empties the queue up to h; a final refusal takes one message out. Anything that
    // left the queue is classified by the event that took it.
    device.on('ack', () => {
      if (this.device !== device) return;
      const now = this.pending();
      this.ledger.ack(gone(this.held, now));
      this.held = now;
    });
    device.on('refused', (body) => {
      if (this.device !== device) return;
      if (body.resend) {
        this.notes.push(`passing refusal ${body.code} seq ${body.seq}`);
        return;
      }
      const now = this.pending();
      const left = gone(this.held, now);
      this.notes.push(`refused ${body.code} seq ${body.seq}${body.local ? ' (local)' : ''}: values ${left.join(',')}`);
      this.ledger.drop(left, `final refusal ${body.code}`);
      for (const v of left) this.held.delete(v);
    });
    return device;
  }

  /** start() rejects while the hub is down (connection refused); a device keeps trying. */
  private async keepStarting(device: DeviceClient): Promise<void> {
    while (!this.closed && this.device === device) {
      try {
        await device.start();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** test/helpers/ring-device.ts's RingDevice, with its ring watched around each event. */
export class TrackedRing {
  readonly ledger: Ledger;
  readonly ring: RingDevice;
  private closed = false;

  constructor(options: { url: string; deviceId: string; key: string; capacity: number }) {
    this.ledger = new Ledger(options.deviceId);
    this.ring = new RingDevice(options);
    this.ring.keepConnected();
    // The ring's own handlers, wrapped: what leaves the ring on an ack at or after its seq was
    // acked; what leaves it otherwise (an overflow while the resume numbers pending samples, a
    // final refusal) was dropped by the device.
    const inner = this.ring as unknown as Record<string, (...args: unknown[]) => void>;
    const onAck = inner.onAck.bind(this.ring);
    inner.onAck = (body, resumed) => {
      const before = this.held();
      onAck(body, resumed);
      const h = (body as { h: number | null }).h;
      const now = new Set(this.held().keys());
      for (const [v, seq] of before) {
        if (now.has(v)) continue;
        if (h !== null && seq !== null && !seqAfter(h, seq)) this.ledger.acked.add(v);
        else this.ledger.dropped.set(v, 'ring overflow');
      }
    };
    const onError = inner.onError.bind(this.ring);
    inner.onError = (body) => {
      const before = this.held();
      onError(body);
      const now = new Set(this.held().keys());
      this.ledger.drop(gone(before.keys(), now), `final refusal ${(body as { code: string }).code}`);
    };
  }

  async start(): Promise<void> {
    await this.ring.connect();
  }

  get live(): boolean {
    return this.ring.isLive;
  }

  get idle(): boolean {
    return this.held().size === 0;
  }

  sample(value: number, oversize = false): void {
    const readings: Record<string, number> = { v: value };
    // About 4.5 KB: over the hub's 4096-byte limit, far under the limit + 64 KiB that closes the connection.
    if (oversize) for (let i = 0; i < 400; i++) readings[`m${i}`] = i;
    const before = this.held();
    this.ring.sample(readings);
    this.ledger.sent.add(value);
    if (oversize) this.ledger.refusable.add(value);
    this.ledger.drop(gone(before.keys(), new Set(this.held().keys())), 'ring overflow');
  }

  cut(reconnectAfterMs: number): void {
    this.ring.cut();
    this.reconnectLater(reconnectAfterMs);
  }

  reboot(reconnectAfterMs: number): void {
    this.ledger.drop(this.held().keys(), 'ring reboot (RAM lost)');
    this.ring.reboot();
    this.reconnectLater(reconnectAfterMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ring.close();
  }

  /** Value → seq of everything the device holds; seq null while a fresh boot waits for its head. */
  private held(): Map<number, number | null> {
    const pending = (this.ring as unknown as { pendingBodies: Array<Record<string, unknown>> }).pendingBodies;
    return new Map<number, number | null>([
      ...this.ring.ring.map((m) => [readingOf(m.body), m.seq] as [number, number]),
      ...pending.map((b) => [readingOf(b), null] as [number, null]),
    ]);
  }

  // cut() and reboot() leave the reconnect to the caller, as the sketch's loop() would redo it.
  private reconnectLater(ms: number): void {
    setTimeout(() => {
      if (!this.closed) void this.ring.connect().catch(() => {});
    }, ms);
  }
}
