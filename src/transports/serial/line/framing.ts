// Framing of the serial line protocol: one frame per line, `<body>*<CC>\n`, where CC is the
// CRC-8 (polynomial 0x07, initial value 0, as avr-libc's _crc8_ccitt_update) of the body's bytes
// in two hex digits. Line noise, a byte lost in a full UART buffer or a line cut by an MCU reset
// all show up as a checksum mismatch, so a damaged frame is refused instead of misread.
import type { LineRefusalCode } from '../../../core/refusals.js';

/** Longest line accepted; the firmware's own receive buffer holds 96 bytes. */
export const MAX_LINE_BYTES = 256;

/** CRC-8 of every byte value, computed bit by bit once (the firmware does the bit loop per byte). */
const CRC8_TABLE = Uint8Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  return crc;
});

export function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = CRC8_TABLE[crc ^ bytes[i]];
  return crc;
}

/** Wraps a body into a complete frame, checksum and newline included. */
export function encodeFrame(body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  const crc = crc8(bytes).toString(16).toUpperCase().padStart(2, '0');
  return Buffer.concat([bytes, Buffer.from(`*${crc}\n`, 'ascii')]);
}

export class FrameError extends Error {
  /** The refusal code for counters and the `err` frame ("checksum", "bad_field", ...). */
  constructor(
    readonly code: LineRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Checks a line's checksum and returns its body; throws FrameError when the line is damaged. */
export function decodeFrame(line: Buffer): string {
  const star = line.lastIndexOf(0x2a); // '*'
  if (star < 0 || line.length - star !== 3) throw new FrameError('no_checksum', 'frame does not end in *XX');
  const given = line.subarray(star + 1).toString('latin1');
  if (!/^[0-9A-Fa-f]{2}$/.test(given)) throw new FrameError('no_checksum', `checksum "${given}" is not two hex digits`);
  const body = line.subarray(0, star);
  const expected = crc8(body);
  if (parseInt(given, 16) !== expected) {
    throw new FrameError(
      'checksum',
      `checksum mismatch: frame says ${given.toUpperCase()}, body gives ${expected.toString(16).toUpperCase().padStart(2, '0')}`,
    );
  }
  const text = body.toString('utf8');
  if (text.includes('\uFFFD')) throw new FrameError('encoding', 'frame body is not valid UTF-8');
  return text;
}

/**
 * Splits a byte stream arriving in arbitrary chunks into lines (without "\r\n"). A line longer
 * than MAX_LINE_BYTES is discarded up to its newline and reported once as too long, so a noisy
 * port without newlines cannot make the buffer grow.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private overflowed = false;

  constructor(
    private readonly onLine: (line: Buffer) => void,
    private readonly onOverflow: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, nl));
      this.finishLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** Drops a partial line, e.g. when the port closes mid-frame. */
  reset(): void {
    this.parts = [];
    this.length = 0;
    this.overflowed = false;
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.overflowed || this.length + piece.length > MAX_LINE_BYTES) {
      if (!this.overflowed) this.parts = [];
      this.overflowed = true;
      this.length += piece.length;
      return;
    }
    this.parts.push(Buffer.from(piece));
    this.length += piece.length;
  }

  private finishLine(): void {
    const overflowed = this.overflowed;
    const length = this.length;
    let line = Buffer.concat(this.parts);
    this.reset();
    if (overflowed) {
      this.onOverflow(length);
      return;
    }
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    if (line.length > 0) this.onLine(line);
  }
}
