// A line-protocol device scripted in the test process, on the device end of a socat pty pair:
// the firmware's session logic (firmware/serial-telemetry) restated with shorter timers, so a
// few seconds of faults exercise it. A small RAM ring that drops its oldest sample, numbering
// from h + 1 after a reset, `hb` right after each welcome and every second, a resend from the
// oldest when acks stop making progress. Noise is injected on the device's own wire: a frame
// sent with a wrong checksum, a frame that never arrives, an ack from the hub never read.
import { SerialPort } from 'serialport';
import { seqAfter, seqNext } from '../../src/core/model.js';
import { crc8, decodeFrame, encodeFrame, FrameError } from '../../src/transports/serial/line/framing.js';
import { Ledger } from './real-devices.js';

const HELLO_EVERY_MS = 1_000;
const HEARTBEAT_EVERY_MS = 1_000;
const RESEND_AFTER_MS = 1_500;

interface Sample {
  value: number;
  takenAt: number;
  /** Null until the first welcome after a boot numbers the ring. */
  seq: number | null;
}

export class LineDevice {
  readonly ledger: Ledger;
  private ring: Sample[] = [];
  private numbered = false;
  private nextSeq = 0;
  private welcomed = false;
  private sent = 0;
  private lost = 0;
  private bootAt = Date.now();
  /** Counted per boot, as the firmware does in EEPROM; the welcome answering this boot's hello echoes it. */
  private bootId = 0;
  private lastHello = 0;
  private lastHeartbeat = 0;
  private lastProgress = 0;
  private partial = '';
  private loop: NodeJS.Timeout | null = null;
  private port: SerialPort;
  /** Pending noise: how many of the next frames to damage or lose. */
  private noise = { corrupt: 0, dropOut: 0, dropIn: 0 };
  welcomes = 0;

  constructor(
    readonly deviceId: string,
    path: string,
    readonly capacity: number,
  ) {
    this.ledger = new Ledger(deviceId);
    this.port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.port.open((err) => (err ? reject(err) : resolve())));
    this.port.on('data', (chunk: Buffer) => this.onData(chunk));
    this.port.on('error', () => {});
    this.sendHello();
    this.loop = setInterval(() => this.tick(), 10);
  }

  get idle(): boolean {
    return this.ring.length === 0;
  }

  sample(value: number): void {
    this.ledger.sent.add(value);
    this.ring.push({ value, takenAt: Date.now(), seq: this.numbered ? this.takeSeq() : null });
    if (this.ring.length > this.capacity) {
      const oldest = this.ring.shift()!;
      this.ledger.drop([oldest.value], 'line ring overflow');
      this.lost += 1;
      if (this.sent > 0) this.sent -= 1;
    }
  }

  corruptNext(): void {
    this.noise.corrupt += 1;
  }
  dropNextOut(): void {
    this.noise.dropOut += 1;
  }
  dropNextIn(): void {
    this.noise.dropIn += 1;
  }

  /** MCU reset: the ring and the numbering are gone; hello again. */
  reboot(): void {
    this.ledger.drop(
      this.ring.map((s) => s.value),
      'line reboot (RAM lost)',
    );
    this.ring = [];
    this.numbered = false;
    this.welcomed = false;
    this.sent = 0;
    this.lost = 0;
    this.bootAt = Date.now();
    this.bootId += 1;
    this.sendHello();
  }

  async close(): Promise<void> {
    if (this.loop) clearInterval(this.loop);
    this.loop = null;
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private takeSeq(): number {
    const seq = this.nextSeq;
    this.nextSeq = seqNext(seq);
    return seq;
  }

  private tick(): void {
    const now = Date.now();
    if (!this.welcomed) {
      if (now - this.lastHello >= HELLO_EVERY_MS) this.sendHello();
      return;
    }
    while (this.sent < this.ring.length) {
      if (this.sent === 0) this.lastProgress = now; // the ack timer starts with the first unacked sample on the wire
      this.sendSample(this.ring[this.sent++]);
    }
    if (this.sent > 0 && now - this.lastProgress >= RESEND_AFTER_MS) {
      this.sent = 0; // no ack progress: resend from the oldest; the hub drops what it holds
      this.lastProgress = now;
    }
    if (now - this.lastHeartbeat >= HEARTBEAT_EVERY_MS) this.sendHeartbeat();
  }

  private sendSample(s: Sample): void {
    const body = `t ${s.seq} ${Date.now() - s.takenAt} v=${s.value}`;
    if (this.noise.dropOut > 0) {
      this.noise.dropOut -= 1;
      return;
    }
    if (this.noise.corrupt > 0) {
      this.noise.corrupt -= 1;
      const wrong = (crc8(Buffer.from(body)) ^ 0x5a).toString(16).toUpperCase().padStart(2, '0');
      this.port.write(`${body}*${wrong}\n`);
      return;
    }
    this.port.write(encodeFrame(body));
  }

  private sendHello(): void {
    this.lastHello = Date.now();
    this.port.write(encodeFrame(`hello ${this.deviceId} proto=1 fw=explorer-1 iv=100 boot=${this.bootId} m=v:`));
  }

  private sendHeartbeat(): void {
    this.lastHeartbeat = Date.now();
    const first = this.ring[0]?.seq ?? this.nextSeq;
    this.port.write(encodeFrame(`hb ${Date.now() - this.bootAt} ${this.ring.length} ${this.lost} ${first}`));
  }

  private onData(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('latin1')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      let body: string;
      try {
        body = decodeFrame(Buffer.from(line.replace(/\r$/, ''), 'latin1'));
      } catch (err) {
        if (err instanceof FrameError) continue; // the firmware would answer "err damaged frame"
        throw err;
      }
      this.onFrame(body);
    }
  }

  private onFrame(body: string): void {
    const [type, arg, ...options] = body.split(' ');
    if (type === 'h' && this.numbered) {
      if (this.noise.dropIn > 0) {
        this.noise.dropIn -= 1;
        return;
      }
      const freed = this.freeThrough(Number(arg));
      this.sent = Math.max(0, this.sent - freed);
      if (freed > 0) this.lastProgress = Date.now();
    } else if (type === 'welcome') {
      const boot = options.find((o) => o.startsWith('boot='));
      if (boot !== undefined && Number(boot.slice(5)) !== this.bootId) return; // meant for an earlier boot
      const known = arg !== undefined && arg !== '-';
      if (!this.numbered) {
        this.nextSeq = known ? seqNext(Number(arg)) : 0;
        for (const s of this.ring) s.seq = this.takeSeq();
        this.numbered = true;
      } else if (known) {
        this.freeThrough(Number(arg));
      }
      this.welcomes += 1;
      this.welcomed = true;
      this.sent = 0;
      this.lastProgress = Date.now();
      this.sendHeartbeat(); // the oldest held before the resend starts
    } else if (type === 'hi') {
      this.welcomed = false;
      this.sendHello();
    }
  }

  /** Frees every sample at or before h: the hub says they are durable. */
  private freeThrough(h: number): number {
    let n = 0;
    while (n < this.ring.length && !seqAfter(h, this.ring[n].seq!)) n++;
    this.ledger.ack(this.ring.slice(0, n).map((s) => s.value));
    this.ring = this.ring.slice(n);
    return n;
  }
}
