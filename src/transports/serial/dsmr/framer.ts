// Cuts the P1 byte stream into telegrams. The serial port hands over chunks of any size, split
// anywhere; a telegram runs from "/" to "!" followed by an optional CRC (1-4 hex digits; DSMR 4+
// sends four, some meters drop leading zeros) and CRLF. Bytes before a "/" are line noise.
// A "/" before the "!" means the previous telegram was cut short (a replug or a lost byte): it is
// dropped and framing restarts at the new "/". The buffer is bounded, so a noisy port cannot
// grow memory. The framer only frames and checks the CRC; parsing is parser.ts's job.
import { crc16Arc } from './crc16.js';

const SLASH = 0x2f;
const BANG = 0x21;
const LF = 0x0a;
/** Longest telegram accepted; real ones are 0.4-3 KB, the spec allows up to 1024 chars per line. */
export const MAX_TELEGRAM_BYTES = 16 * 1024;
/** "!" + 4 hex digits + CRLF, with a little room for stray spaces. */
const MAX_TRAILER_BYTES = 10;

export interface FramedTelegram {
  kind: 'telegram';
  /** From "/" to the LF closing the CRC line. */
  bytes: Buffer;
  /** The CRC as sent, or null for DSMR 2.2/3.0 telegrams that carry none. */
  crc: { stated: string; computed: number; valid: boolean } | null;
}

export interface DroppedFrame {
  kind: 'dropped';
  reason: 'truncated' | 'oversized' | 'malformed crc';
  bytes: number;
}

export type FramerOutput = FramedTelegram | DroppedFrame;

type State = { name: 'hunting' } | { name: 'body'; scanFrom: number } | { name: 'trailer'; bangAt: number };

export class TelegramFramer {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = { name: 'hunting' };
  /** Bytes outside any telegram since the framer was made. */
  noiseBytes = 0;

  push(chunk: Buffer): FramerOutput[] {
    const out: FramerOutput[] = [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.step(out));
    return out;
  }

  /** Forgets a partial telegram (after the port closed: what follows is a new stream). */
  reset(): void {
    this.pending = Buffer.alloc(0);
    this.state = { name: 'hunting' };
  }

  /** Advances the state machine once; false when it needs more bytes. */
  private step(out: FramerOutput[]): boolean {
    const state = this.state;
    if (state.name === 'hunting') {
      const start = this.pending.indexOf(SLASH);
      if (start < 0) {
        this.noiseBytes += this.pending.length;
        this.pending = Buffer.alloc(0);
        return false;
      }
      this.noiseBytes += start;
      this.pending = this.pending.subarray(start);
      this.state = { name: 'body', scanFrom: 1 };
      return true;
    }
    if (state.name === 'body') return this.scanBody(state.scanFrom, out);
    return this.scanTrailer(state.bangAt, out);
  }

  private scanBody(scanFrom: number, out: FramerOutput[]): boolean {
    // Scan no further than the longest telegram, so one that arrives whole in a single chunk
    // is refused like one that arrives in pieces.
    const end = Math.min(this.pending.length, MAX_TELEGRAM_BYTES + 1);
    for (let i = scanFrom; i < end; i++) {
      const byte = this.pending[i];
      if (byte === SLASH) {
        out.push({ kind: 'dropped', reason: 'truncated', bytes: i });
        this.pending = this.pending.subarray(i);
        this.state = { name: 'body', scanFrom: 1 };
        return true;
      }
      if (byte === BANG) {
        this.state = { name: 'trailer', bangAt: i };
        return true;
      }
    }
    if (this.pending.length > MAX_TELEGRAM_BYTES) {
      // The rest of its body and its trailer are noise to the hunter; a telegram after it survives.
      out.push({ kind: 'dropped', reason: 'oversized', bytes: end });
      this.pending = this.pending.subarray(end);
      this.state = { name: 'hunting' };
      return true;
    }
    this.state = { name: 'body', scanFrom: this.pending.length };
    return false;
  }

  private scanTrailer(bangAt: number, out: FramerOutput[]): boolean {
    const lf = this.pending.indexOf(LF, bangAt + 1);
    const trailerEnd = lf < 0 ? this.pending.length : lf;
    if (trailerEnd - bangAt > MAX_TRAILER_BYTES) return this.dropTrailer(bangAt, out);
    if (lf < 0) return false;
    const stated = this.pending.toString('latin1', bangAt + 1, lf).trim();
    if (stated !== '' && !/^[0-9A-Fa-f]{1,4}$/.test(stated)) return this.dropTrailer(bangAt, out);
    const bytes = this.pending.subarray(0, lf + 1);
    const crc = stated === '' ? null : checkCrc(bytes, bangAt, stated);
    // Copy: the telegram outlives this buffer, which is a view on the port's chunk.
    out.push({ kind: 'telegram', bytes: Buffer.from(bytes), crc });
    this.pending = this.pending.subarray(lf + 1);
    this.state = { name: 'hunting' };
    return true;
  }

  private dropTrailer(bangAt: number, out: FramerOutput[]): boolean {
    out.push({ kind: 'dropped', reason: 'malformed crc', bytes: bangAt + 1 });
    this.pending = this.pending.subarray(bangAt + 1);
    this.state = { name: 'hunting' };
    return true;
  }
}

function checkCrc(bytes: Buffer, bangAt: number, stated: string): NonNullable<FramedTelegram['crc']> {
  const computed = crc16Arc(bytes, 0, bangAt + 1);
  return { stated, computed, valid: parseInt(stated, 16) === computed };
}
