// The serial line protocol (src/transports/serial/line/): bytes from the port, cut into chunks
// anywhere, through LineSplitter, decodeFrame (checksum, UTF-8) and parseDeviceFrame. Each line
// is accepted as a typed device frame or refused with a LineRefusalCode; an over-long line is
// refused as too_long. Accepted frames must re-encode to the line they came from, and parse
// again to themselves when written the way the firmware writes them.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ACTUATOR_TYPES, checkDeviceId, checkMetricName, isSeq } from '../../../src/core/model.js';
import type { LineRefusalCode } from '../../../src/core/refusals.js';
import { PROTOCOL_VERSION, parseDeviceFrame, type DeviceFrame } from '../../../src/transports/serial/line/codec.js';
import { FrameError, LineSplitter, MAX_LINE_BYTES, crc8, decodeFrame, encodeFrame } from '../../../src/transports/serial/line/framing.js';
import { READING_REFUSALS, readingRefusals } from '../checks.js';
import type { FuzzTarget, Outcome } from '../harness.js';
import { chunked, chunksOf, mutated, randomBytes, type Chunked } from '../mutate.js';
import { anyText, deviceIdLike, formatNumber, metricLike, numberText, uintText } from '../tokens.js';

const LINE_CODES = [
  'no_checksum',
  'checksum',
  'encoding',
  'too_long',
  'unknown_type',
  'bad_field',
  'protocol',
] as const satisfies readonly LineRefusalCode[];

const option = (key: string, value: fc.Arbitrary<string>) =>
  fc.option(
    value.map((v) => `${key}=${v}`),
    { nil: undefined },
  );
const pairList = (second: fc.Arbitrary<string>) =>
  fc
    .array(
      fc.tuple(metricLike, second).map(([a, b]) => (b === '' ? a : `${a}:${b}`)),
      { maxLength: 5 },
    )
    .map((items) => items.join(','));

const hello = fc
  .tuple(
    deviceIdLike,
    fc.oneof({ weight: 4, arbitrary: fc.constant(String(PROTOCOL_VERSION)) }, { weight: 1, arbitrary: uintText }),
    fc.tuple(
      option('fw', anyText(70)),
      option('iv', uintText),
      option('boot', uintText),
      option('m', pairList(fc.oneof(fc.constantFrom('', 'C', '%', 'kWh'), anyText(40)))),
      option('a', pairList(fc.oneof(fc.constantFrom(...ACTUATOR_TYPES), anyText(6)))),
      option('x', anyText(6)),
    ),
  )
  .map(([id, proto, options]) => ['hello', id, `proto=${proto}`, ...options.filter((o) => o !== undefined)].join(' '));

const telemetry = fc
  .tuple(uintText, uintText, fc.array(fc.tuple(metricLike, numberText), { maxLength: 34 }))
  .map(([seq, age, pairs]) => ['t', seq, age, ...pairs.map(([m, v]) => `${m}=${v}`)].join(' '));

const heartbeat = fc.array(uintText, { maxLength: 5 }).map((words) => ['hb', ...words].join(' '));

const commandAck = fc
  .tuple(fc.oneof(deviceIdLike, fc.constant('c'.repeat(65))), fc.constantFrom('ok', 'err', 'OK', ''), anyText(220))
  .map(([id, verdict, reason]) => `cack ${id} ${verdict} ${reason}`.trimEnd());

const body = fc.oneof(
  { weight: 3, arbitrary: hello },
  { weight: 4, arbitrary: telemetry },
  { weight: 2, arbitrary: heartbeat },
  { weight: 2, arbitrary: commandAck },
  { weight: 1, arbitrary: anyText(60).map((reason) => `err ${reason}`) },
  { weight: 1, arbitrary: anyText(40) },
);

/** A body with its checksum computed over whatever bytes it holds, so the parser behind the CRC gets it. */
function withChecksum(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.from(`*${crc8(bytes).toString(16).padStart(2, '0').toUpperCase()}\n`, 'latin1')]);
}

const frames: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 5, arbitrary: body.map((b) => encodeFrame(b)) },
  { weight: 2, arbitrary: mutated(body.map((b) => encodeFrame(b))) },
  { weight: 2, arbitrary: mutated(body.map((b) => Buffer.from(b, 'utf8'))).map(withChecksum) },
  { weight: 1, arbitrary: randomBytes(300) },
  { weight: 1, arbitrary: fc.array(body, { minLength: 2, maxLength: 4 }).map((bs) => Buffer.concat(bs.map((b) => encodeFrame(b)))) },
);

export const lineTarget: FuzzTarget<Chunked> = {
  name: 'line',
  codes: [...LINE_CODES, ...READING_REFUSALS],
  input: chunked(frames),
  feed(input) {
    const lines = splitLines(chunksOf(input));
    assert.deepEqual(lines.map(String), splitLines([input.bytes]).map(String), 'how the port chunks the bytes changes no line');
    return lines.map((line) => (typeof line === 'number' ? tooLong(line) : judge(line)));
  },
};

/** The lines a fresh splitter finds, an overflowed line as its length; the stream ends with a newline. */
function splitLines(chunks: Buffer[]): Array<Buffer | number> {
  const lines: Array<Buffer | number> = [];
  const splitter = new LineSplitter(
    (line) => lines.push(line),
    (bytes) => lines.push(bytes),
  );
  for (const chunk of [...chunks, Buffer.from('\n')]) splitter.push(chunk);
  return lines;
}

function tooLong(bytes: number): Outcome {
  assert.ok(bytes > MAX_LINE_BYTES, `a line of ${bytes} bytes is not too long`);
  return { refused: 'too_long', detail: `line of ${bytes} bytes, longer than ${MAX_LINE_BYTES}` };
}

function judge(line: Buffer): Outcome {
  assert.ok(line.length > 0 && line.length <= MAX_LINE_BYTES, `line of ${line.length} bytes`);
  assert.ok(!line.includes(0x0a), 'a line holds no newline');
  let body: string;
  let frame: DeviceFrame;
  try {
    body = decodeFrame(line);
    frame = parseDeviceFrame(body);
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    return { refused: err.code, detail: err.message };
  }
  // Round trip: the body re-encodes to the line (the checksum as the hub writes it, in capitals).
  const expected = Buffer.concat([
    line.subarray(0, -2),
    Buffer.from(line.subarray(-2).toString('latin1').toUpperCase()),
    Buffer.from('\n'),
  ]);
  assert.deepEqual(encodeFrame(body), expected, 'an accepted line re-encodes to itself');
  checkFrame(frame);
  if (frame.type !== 'telemetry' || frame.values.every((v) => Number.isFinite(v.value)))
    assert.deepStrictEqual(parseDeviceFrame(formatDeviceFrame(frame)), frame, 'a frame written as the firmware writes it parses to itself');
  return frame.type === 'telemetry' ? { accepted: true, itemRefusals: readingRefusals(frame.values) } : { accepted: true };
}

/** What an accepted frame promises the session. */
function checkFrame(frame: DeviceFrame): void {
  switch (frame.type) {
    case 'hello':
      assert.equal(checkDeviceId(frame.deviceId), null);
      assert.equal(frame.protocol, PROTOCOL_VERSION);
      for (const m of frame.metrics) assert.equal(checkMetricName(m.name), null);
      for (const a of frame.actuators) assert.ok(checkMetricName(a.name) === null && ACTUATOR_TYPES.includes(a.type));
      if (frame.sampleIntervalMs !== undefined) assert.ok(frame.sampleIntervalMs >= 10 && frame.sampleIntervalMs <= 86_400_000);
      if (frame.bootId !== undefined) assert.ok(Number.isSafeInteger(frame.bootId) && frame.bootId >= 0);
      return;
    case 'telemetry':
      assert.ok(isSeq(frame.seq) && Number.isInteger(frame.ageMs) && frame.ageMs >= 0 && frame.ageMs <= 86_400_000);
      assert.ok(frame.values.length >= 1 && frame.values.length <= 32);
      return;
    case 'heartbeat':
      for (const n of [frame.uptimeMs, frame.buffered, frame.lost]) assert.ok(n === undefined || (Number.isSafeInteger(n) && n >= 0));
      assert.ok(frame.first === undefined || isSeq(frame.first));
      return;
    case 'commandAck':
      assert.ok(frame.commandId.length >= 1 && frame.commandId.length <= 64);
      assert.ok(frame.ok ? frame.error === undefined : typeof frame.error === 'string' && frame.error.length > 0);
      return;
    case 'error':
      assert.equal(typeof frame.reason, 'string');
  }
}

/** A device frame as the serial-telemetry firmware writes it. */
function formatDeviceFrame(frame: DeviceFrame): string {
  switch (frame.type) {
    case 'hello': {
      const words = ['hello', frame.deviceId, `proto=${frame.protocol}`];
      if (frame.firmware !== undefined) words.push(`fw=${frame.firmware}`);
      if (frame.sampleIntervalMs !== undefined) words.push(`iv=${frame.sampleIntervalMs}`);
      if (frame.bootId !== undefined) words.push(`boot=${frame.bootId}`);
      if (frame.metrics.length > 0) words.push(`m=${frame.metrics.map((m) => (m.unit ? `${m.name}:${m.unit}` : m.name)).join(',')}`);
      if (frame.actuators.length > 0) words.push(`a=${frame.actuators.map((a) => `${a.name}:${a.type}`).join(',')}`);
      return words.join(' ');
    }
    case 'telemetry':
      return ['t', frame.seq, frame.ageMs, ...frame.values.map((v) => `${v.metric}=${formatNumber(v.value)}`)].join(' ');
    case 'heartbeat':
      return ['hb', frame.uptimeMs, frame.buffered, frame.lost, frame.first].filter((w) => w !== undefined).join(' ');
    case 'commandAck':
      return frame.ok ? `cack ${frame.commandId} ok` : `cack ${frame.commandId} err ${frame.error}`;
    case 'error':
      return `err ${frame.reason}`;
  }
}
