// A serial-telemetry board restated from firmware/serial-telemetry (the sketch's loop and
// ring.cpp): hello until welcomed, a small RAM ring that drops its oldest when full, samples
// numbered from the first welcome after boot, one frame sent per loop, the backlog resent from
// the oldest after 3 s without progress, a heartbeat with `first` after each welcome and every
// 5 s. An MCU reset loses the ring and what the hub sent it; frames it sent already still arrive.
import { decodeFrame, encodeFrame } from '../../src/transports/serial/line/framing.js';
import type { LineLink } from './sim-hub-line.js';
import type { Book } from './sim-book.js';
import type { Actor, World } from './sim-world.js';

const HELLO_EVERY_MS = 2_000;
const HEARTBEAT_EVERY_MS = 5_000;
const RESEND_AFTER_MS = 3_000;

export class LineActor implements Actor {
  private ring: Array<{ takenAt: number; value: number }> = [];
  private firstSeq = 0;
  private lost = 0;
  private numbered = false;
  private welcomed = false;
  private sent = 0;
  private bootAt = 0;
  private lastHello = -Infinity;
  private lastHeartbeat = 0;
  private lastProgress = 0;
  /** The EEPROM boot counter: echoed in the welcome that answers this boot's hello. */
  private bootId = 0;

  constructor(
    readonly deviceId: string,
    private readonly book: Book,
    private readonly world: World,
    readonly link: LineLink,
    private readonly capacity: number,
  ) {
    this.boot();
  }

  backlog(): number {
    return this.ring.length;
  }

  reboot(): void {
    this.world.counts.fault('mcuReset');
    for (let i = 0; i < this.ring.length; i++) this.book.free(this.ring[i].value, 'reboot', this.numbered ? this.seqAt(i) : null);
    this.ring = [];
    // The MCU's receive buffer is RAM, and what reaches the UART while the bootloader runs is
    // dropped: no hub frame from before the reset is read by the new firmware (docs/protocol.md).
    this.link.toDevice = [];
    this.book.endNumbering();
    this.firstSeq = 0;
    this.lost = 0;
    this.numbered = false;
    this.welcomed = false;
    this.sent = 0;
    this.boot();
  }

  tick(): void {
    const w = this.world;
    const now = w.clock();
    const n = w.rng.range(0, 3);
    for (let i = 0; i < n && this.link.toDevice.length > 0; i++) this.onLine(this.link.toDevice.shift()!);
    if (w.faulting && w.rng.chance(0.25)) this.takeSample(now);
    if (!this.welcomed) {
      if (now - this.lastHello >= HELLO_EVERY_MS) this.hello();
      return;
    }
    const loops = w.rng.range(1, 2);
    for (let i = 0; i < loops; i++) {
      if (this.sent < this.ring.length) {
        if (this.sent === 0) this.lastProgress = now;
        this.sendSample(this.sent++);
      } else if (this.sent > 0 && now - this.lastProgress >= RESEND_AFTER_MS) {
        this.sent = 0;
        this.lastProgress = now;
        w.counts.saw('lineResend');
      }
    }
    if (now - this.lastHeartbeat >= HEARTBEAT_EVERY_MS) this.heartbeat();
  }

  private boot(): void {
    this.bootId = (this.bootId + 1) % 65_536;
    this.bootAt = this.world.clock();
    this.hello();
  }

  private seqAt(i: number): number {
    return (this.firstSeq + i) % 2 ** 32;
  }

  private out(body: string): void {
    this.link.toHub.push(encodeFrame(body));
  }

  private hello(): void {
    this.out(`hello ${this.deviceId} proto=1 fw=sim-1 iv=500 boot=${this.bootId} m=v:u`);
    this.lastHello = this.world.clock();
  }

  private heartbeat(): void {
    const now = this.world.clock();
    this.out(`hb ${now - this.bootAt} ${this.ring.length} ${this.lost} ${this.firstSeq}`);
    this.lastHeartbeat = now;
  }

  private sendSample(i: number): void {
    const s = this.ring[i];
    this.out(`t ${this.seqAt(i)} ${this.world.clock() - s.takenAt} v=${s.value}`);
  }

  private takeSample(now: number): void {
    const value = this.book.create();
    if (this.ring.length === this.capacity) {
      const gone = this.ring.shift()!;
      this.world.counts.saw('ringOverflow');
      this.book.free(gone.value, 'overflow', this.numbered ? this.firstSeq : null);
      this.firstSeq = (this.firstSeq + 1) % 2 ** 32;
      this.lost += 1;
      if (this.sent > 0) this.sent--;
    }
    this.ring.push({ takenAt: now, value });
  }

  private onLine(line: Buffer): void {
    let body: string;
    try {
      body = decodeFrame(line.subarray(0, line.length - 1));
    } catch {
      this.out('err damaged frame');
      return;
    }
    const [type, arg, ...options] = body.split(' ');
    if (type === 'h' && this.numbered) {
      const before = this.ring.length;
      this.ackThrough(Number(arg));
      const freed = before - this.ring.length;
      this.sent = this.sent > freed ? this.sent - freed : 0;
      if (freed > 0) this.lastProgress = this.world.clock();
    } else if (type === 'welcome') {
      // A welcome for another boot answered a hello of this board's previous life.
      const boot = options.find((o) => o.startsWith('boot='));
      if (boot !== undefined && Number(boot.slice(5)) !== this.bootId) return;
      const known = arg !== '-';
      const head = Number(arg);
      if (!this.numbered) {
        this.firstSeq = known ? (head + 1) % 2 ** 32 : 0;
        this.numbered = true;
      } else if (known) {
        this.ackThrough(head);
        if (this.ring.length === 0 && ((this.firstSeq - (head + 1)) | 0) < 0) this.firstSeq = (head + 1) % 2 ** 32;
      }
      this.welcomed = true;
      this.sent = 0;
      this.lastProgress = this.world.clock();
      this.heartbeat();
    } else if (type === 'hi') {
      this.welcomed = false;
      this.hello();
    }
  }

  /** ring.cpp's ackThrough: frees every sample at or before seq, across the wrap. */
  private ackThrough(seq: number): void {
    while (this.ring.length > 0 && ((this.firstSeq - seq) | 0) <= 0) {
      const s = this.ring.shift()!;
      this.book.acked([s.value], this.firstSeq, seq);
      this.firstSeq = (this.firstSeq + 1) % 2 ** 32;
    }
  }
}
