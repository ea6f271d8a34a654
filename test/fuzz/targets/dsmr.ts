// DSMR P1 (src/transports/serial/dsmr/): bytes from the port, cut into chunks anywhere, through
// TelegramFramer, the CRC check, parseTelegram and readoutOf. Each telegram is accepted with its
// readings or refused with a DsmrRefusalCode, decided in the order DsmrSession.handle decides
// (a meter configured without an id, so the equipment id must name it). Inputs are the real
// telegrams of test/transports/serial/dsmr/fixtures/ (sources and licences in its README),
// mutated and with their CRC kept, fixed or changed, synthetic telegrams, and random bytes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkDeviceId } from '../../../src/core/model.js';
import type { DsmrRefusalCode } from '../../../src/core/refusals.js';
import { crc16Arc } from '../../../src/transports/serial/dsmr/crc16.js';
import {
  MAX_TELEGRAM_BYTES,
  TelegramFramer,
  type DroppedFrame,
  type FramedTelegram,
  type FramerOutput,
} from '../../../src/transports/serial/dsmr/framer.js';
import { meterDeviceId } from '../../../src/transports/serial/dsmr/meter-id.js';
import { ELECTRICITY_OBIS, MBUS_TYPES, TARIFF_METRIC, readoutOf } from '../../../src/transports/serial/dsmr/obis.js';
import { parseTelegram } from '../../../src/transports/serial/dsmr/parser.js';
import { READING_REFUSALS, readingRefusals } from '../checks.js';
import type { FuzzTarget, Outcome } from '../harness.js';
import { chunked, chunksOf, mutated, randomBytes, type Chunked } from '../mutate.js';
import { anyText, numberText } from '../tokens.js';

const DSMR_CODES = [
  'truncated',
  'oversized',
  'malformed_crc',
  'bad_crc',
  'missing_crc',
  'malformed_line',
  'no_equipment_id',
  'no_readings',
] as const satisfies readonly DsmrRefusalCode[];

const DROPPED: Record<DroppedFrame['reason'], DsmrRefusalCode> = {
  truncated: 'truncated',
  oversized: 'oversized',
  'malformed crc': 'malformed_crc',
};

const FIXTURES = join(import.meta.dirname, '../../transports/serial/dsmr/fixtures');
const REAL = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => readFileSync(join(FIXTURES, f)));

/** The metrics a readout may name: the OBIS table's, and M-Bus kinds with their channel suffix. */
const KNOWN_METRICS = new Set([
  ...Object.values(ELECTRICITY_OBIS).map((d) => d.metric),
  TARIFF_METRIC.metric,
  ...Object.values(MBUS_TYPES).flatMap((d) => [d.metric, ...[2, 3, 4].map((ch) => `${d.metric}_ch${ch}`)]),
]);

/** The CRC recomputed over "/" through "!", as a meter would have sent it for these bytes. */
function withFixedCrc(bytes: Buffer): Buffer {
  const start = bytes.indexOf(0x2f);
  const bang = start < 0 ? -1 : bytes.indexOf(0x21, start);
  if (bang < 0) return bytes;
  const lf = bytes.indexOf(0x0a, bang);
  const crc = crc16Arc(bytes, start, bang + 1)
    .toString(16)
    .toUpperCase()
    .padStart(4, '0');
  return Buffer.concat([bytes.subarray(0, bang + 1), Buffer.from(`${crc}\r\n`), lf < 0 ? Buffer.alloc(0) : bytes.subarray(lf + 1)]);
}

/** The telegram with what follows "!" replaced. */
const withTrailer = (bytes: Buffer, trailer: string) =>
  Buffer.concat([bytes.subarray(0, bytes.lastIndexOf(0x21) + 1), Buffer.from(trailer, 'latin1')]);

const real = fc.constantFrom(...REAL);
const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
const stamp = fc.oneof(
  fc.tuple(fc.array(twoDigits, { minLength: 6, maxLength: 6 }), fc.constantFrom('W', 'S', '')).map(([d, s]) => d.join('') + s),
  fc.constantFrom('632525252525S', '170102192002W', '000101000000W', '991231235959S'),
  anyText(14),
);
const quantity = fc
  .tuple(
    fc.oneof(numberText, fc.constantFrom('9'.repeat(400), '000004.426', '-1.5')),
    fc.constantFrom('', '*kWh', '*kW', '*W', '*Wh', '*V', '*A', '*m3', '*GJ', '*x'),
  )
  .map(([n, unit]) => n + unit);
const obisLine = fc.oneof(
  fc.tuple(fc.constantFrom(...Object.keys(ELECTRICITY_OBIS), '0-0:96.14.0'), quantity).map(([obis, q]) => `${obis}(${q})`),
  fc.constantFrom('1-3:0.2.8(50)', '0-0:96.1.4(50217)', '0-0:96.1.1(4B384547303034303436333935353037)', '0-0:96.1.1()', '0-0:42.0.0(x)'),
  anyText(20).map((id) => `0-0:96.1.1(${id.replace(/[()]/g, '')})`),
  stamp.map((s) => `0-0:1.0.0(${s.replace(/[()]/g, '')})`),
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('003', '004', '007', '3', '999')).map(([ch, type]) => `0-${ch}:24.1.0(${type})`),
  fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('24.2.1', '24.2.3'), stamp, quantity)
    .map(([ch, code, s, q]) => `0-${ch}:${code}(${s})(${q})`),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), stamp, fc.constantFrom('m3', '', 'GJ'))
    .map(([ch, s, u]) => `0-${ch}:24.3.0(${s})(00)(60)(1)(0-${ch}:24.2.1)(${u})\r\n(00001.001)`),
  anyText(30),
);
const synthetic = fc
  .tuple(fc.constantFrom('/ISk5\\2MT382-1000', '/KFM5KAIFA-METER', '/', '/x'), fc.array(obisLine, { maxLength: 14 }), fc.boolean())
  .map(([header, lines, crc]) => {
    const body = Buffer.from(`${header}\r\n\r\n${lines.map((l) => `${l}\r\n`).join('')}!\r\n`, 'latin1');
    return crc ? withFixedCrc(body) : body;
  });

const telegrams: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: real },
  { weight: 3, arbitrary: mutated(real) },
  { weight: 4, arbitrary: mutated(real).map(withFixedCrc) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(real, fc.constantFrom('\r\n', '0000\r\n', 'ffff\r\n', '1\r\n', 'G00D\r\n', '12345\r\n', ' \r\n', 'x', '\r\n\r\n'))
      .map(([t, tr]) => withTrailer(t, tr)),
  },
  { weight: 3, arbitrary: synthetic },
  { weight: 2, arbitrary: mutated(synthetic).map(withFixedCrc) },
  { weight: 1, arbitrary: fc.tuple(randomBytes(40), real, randomBytes(40), real).map((parts) => Buffer.concat(parts)) },
  { weight: 2, arbitrary: randomBytes(400) },
);

export const dsmrTarget: FuzzTarget<Chunked> = {
  name: 'dsmr',
  codes: [...DSMR_CODES, ...READING_REFUSALS],
  input: chunked(telegrams),
  feed(input) {
    const outputs = frame(chunksOf(input));
    if (input.bytes.length <= MAX_TELEGRAM_BYTES)
      assert.deepEqual(outputs.map(comparable), frame([input.bytes]).map(comparable), 'how the port chunks the bytes changes no telegram');
    return outputs.map((out) => (out.kind === 'dropped' ? dropped(out) : judge(out)));
  },
};

function frame(chunks: Buffer[]): FramerOutput[] {
  const framer = new TelegramFramer();
  return chunks.flatMap((chunk) => framer.push(chunk));
}

/** Where an oversized body was noticed depends on the chunks; everything else must not. */
const comparable = (out: FramerOutput) => (out.kind === 'dropped' && out.reason === 'oversized' ? { ...out, bytes: 0 } : out);

function dropped(out: DroppedFrame): Outcome {
  assert.ok(out.bytes > 0);
  return { refused: DROPPED[out.reason], detail: `${out.reason}: ${out.bytes} bytes dropped` };
}

/** DsmrSession.handle's decisions, in its order, for a meter with no id in the devices file. */
function judge(out: FramedTelegram): Outcome {
  checkFramed(out);
  if (out.crc && !out.crc.valid) return { refused: 'bad_crc', detail: `CRC ${out.crc.stated} stated, ${out.crc.computed} computed` };
  const telegram = parseTelegram(out.bytes);
  const versioned = telegram.objects.has('1-3:0.2.8') || telegram.objects.has('0-0:96.1.4');
  if (!out.crc && versioned) return { refused: 'missing_crc', detail: 'a DSMR 4+ or e-MUCS telegram without its CRC' };
  if (!out.crc && telegram.malformed.length > 0) return { refused: 'malformed_line', detail: `line ${telegram.malformed[0].line}` };
  const now = Date.now();
  const readout = readoutOf(telegram, now);
  const deviceId = readout.equipmentId ? meterDeviceId(readout.equipmentId) : null;
  if (!deviceId) return { refused: 'no_equipment_id', detail: 'no usable equipment id in the telegram' };
  assert.equal(checkDeviceId(deviceId), null, 'a meter id is a valid device id');
  if (readout.readings.length === 0) return { refused: 'no_readings', detail: 'the telegram holds no value the hub stores' };
  const named = new Set(readout.metrics.map((m) => m.name));
  for (const r of readout.readings) {
    assert.ok(KNOWN_METRICS.has(r.metric), `reading of unknown metric ${r.metric}`);
    assert.ok(named.has(r.metric), `reading of ${r.metric} not among the metrics registered`);
  }
  return { accepted: true, itemRefusals: readingRefusals(readout.readings, now) };
}

function checkFramed(out: FramedTelegram): void {
  const { bytes, crc } = out;
  assert.equal(bytes[0], 0x2f, 'a telegram starts with "/"');
  assert.equal(bytes[bytes.length - 1], 0x0a, 'a telegram ends with its line feed');
  const bang = bytes.indexOf(0x21);
  assert.ok(bang > 0 && bytes.indexOf(0x2f, 1) < 0, 'one "/" then a "!"');
  if (crc) assert.equal(crc.valid, parseInt(crc.stated, 16) === crc16Arc(bytes, 0, bang + 1));
}
