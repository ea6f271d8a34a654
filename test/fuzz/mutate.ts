// Byte-level mutations of real or well-formed inputs, and the arbitrary chunking a serial port
// hands bytes over in. Positions are taken modulo the input's length, so every mutation applies
// to any input and shrinks towards the start of it.
import fc from 'fast-check';

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x00, 0x0a, 0x0d, 0x20, 0x21, 0x28, 0x29, 0x2a, 0x2f, 0x3a, 0x3d, 0xff),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
);

/** One to `max` mutations applied to a seed input. */
export function mutated(seeds: fc.Arbitrary<Buffer>, max = 4): fc.Arbitrary<Buffer> {
  return fc
    .tuple(seeds, fc.array(mutation, { minLength: 1, maxLength: max }))
    .map(([seed, mutations]) => mutations.reduce((bytes, m) => applyMutation(bytes, m), seed));
}

function applyMutation(bytes: Buffer, m: Mutation): Buffer {
  const at = (n: number) => (bytes.length === 0 ? 0 : n % bytes.length);
  switch (m.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = Buffer.from(bytes);
      out[at(m.at)] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (bytes.length === 0) return bytes;
      const out = Buffer.from(bytes);
      out[at(m.at)] = m.byte;
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, at(m.at));
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at(m.at)), bytes.subarray(at(m.at) + m.length)]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at(m.at)), m.bytes, bytes.subarray(at(m.at))]);
    default:
      return mutateLines(bytes, m);
  }
}

function mutateLines(bytes: Buffer, m: Extract<Mutation, { kind: 'duplicateLine' | 'dropLine' | 'swapLines' }>): Buffer {
  const lines = splitLines(bytes);
  if (lines.length === 0) return bytes;
  const i = (n: number) => n % lines.length;
  if (m.kind === 'duplicateLine') lines.splice(i(m.line), 0, lines[i(m.line)]);
  else if (m.kind === 'dropLine') lines.splice(i(m.line), 1);
  else [lines[i(m.a)], lines[i(m.b)]] = [lines[i(m.b)], lines[i(m.a)]];
  return Buffer.concat(lines);
}

/** Lines with their "\n" kept, so joining them gives the bytes back. */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, nl + 1));
    start = nl + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

/** Any bytes, weighted towards the short. */
export const randomBytes = (maxLength = 300): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

/** Bytes and where a serial port cut them into chunks. */
export interface Chunked {
  bytes: Buffer;
  cuts: number[];
}

export function chunked(bytes: fc.Arbitrary<Buffer>): fc.Arbitrary<Chunked> {
  return fc.record({ bytes, cuts: fc.array(fc.nat(), { maxLength: 6 }) });
}

export function chunksOf({ bytes, cuts }: Chunked): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].filter((p) => p > 0).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}
