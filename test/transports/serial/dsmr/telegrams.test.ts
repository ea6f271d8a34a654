// Every real telegram in fixtures/ through the framer, the CRC check, the parser and the OBIS
// mapping, compared with the values its .json lists (read off the telegram and cross-checked
// against the source project's own test assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc16Arc } from '../../../../src/transports/serial/dsmr/crc16.js';
import { TelegramFramer, type FramedTelegram } from '../../../../src/transports/serial/dsmr/framer.js';
import { meterDeviceId } from '../../../../src/transports/serial/dsmr/meter-id.js';
import { readoutOf } from '../../../../src/transports/serial/dsmr/obis.js';
import { parseDsmrTimestamp, parseTelegram } from '../../../../src/transports/serial/dsmr/parser.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.slice(0, -4))
  .sort();
const RECEIVED_AT = Date.UTC(2026, 0, 1, 12, 0, 0);
const MBUS_METRIC: Record<number, string> = { 3: 'gas', 4: 'heat', 7: 'water' };

function load(name: string) {
  return {
    bytes: readFileSync(join(FIXTURES, `${name}.txt`)),
    expected: JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')),
  };
}

function frameOne(bytes: Buffer): FramedTelegram {
  const out = new TelegramFramer().push(bytes);
  assert.equal(out.length, 1, `one frame expected, got ${JSON.stringify(out.map((o) => o.kind))}`);
  assert.equal(out[0].kind, 'telegram');
  return out[0] as FramedTelegram;
}

/** The readings the .json's values imply: field "voltage_l1_v" is metric "voltage_l1", and so on. */
function expectedReadings(values: Record<string, any>): Map<string, { value: number; ts: number }> {
  const electricityTs = values.timestamp_utc_derived ? Date.parse(values.timestamp_utc_derived) : RECEIVED_AT;
  const out = new Map<string, { value: number; ts: number }>();
  for (const [key, value] of Object.entries(values)) {
    const m = /^((?:energy|power|voltage|current)_[a-z0-9_]+?)_(kwh|kw|v|a)$/.exec(key);
    if (m && typeof value === 'number') out.set(m[1], { value, ts: electricityTs });
  }
  if (values.tariff_indicator) out.set('tariff', { value: Number(values.tariff_indicator), ts: electricityTs });
  const seen = new Map<string, number>();
  for (const ch of values.mbus ?? []) {
    const metric = MBUS_METRIC[Number(ch.device_type)];
    if (!metric || !ch.reading_unit) continue;
    const n = seen.get(metric) ?? 0;
    seen.set(metric, n + 1);
    const ts = ch.reading_timestamp_utc_derived ? Date.parse(ch.reading_timestamp_utc_derived) : RECEIVED_AT;
    out.set(n === 0 ? metric : `${metric}_ch${ch.channel}`, { value: ch.reading_value, ts });
  }
  return out;
}

test('there are fixtures to check', () => {
  assert.ok(names.length >= 15, `found ${names.length} telegrams`);
});

test('CRC16/ARC has the published check value', () => {
  assert.equal(crc16Arc(Buffer.from('123456789')), 0xbb3d);
});

for (const name of names) {
  test(`${name}: framed whole, CRC as stated in the fixture`, () => {
    const { bytes, expected } = load(name);
    const frame = frameOne(bytes);
    assert.equal(frame.bytes.length, bytes.length);
    if (!expected.crc16_arc.present) {
      assert.equal(frame.crc, null);
    } else {
      assert.equal(frame.crc!.valid, expected.crc16_arc.valid);
      assert.equal(frame.crc!.computed.toString(16).toUpperCase().padStart(4, '0'), expected.crc16_arc.computed);
    }
  });

  test(`${name}: every value maps to the expected metric, value and time`, () => {
    const { bytes, expected } = load(name);
    const values = expected.values_read_from_telegram;
    const telegram = parseTelegram(bytes);
    assert.deepEqual(telegram.malformed, []);
    const readout = readoutOf(telegram, RECEIVED_AT);
    const got = new Map(readout.readings.map((r) => [r.metric, { value: r.value, ts: r.ts }]));
    const want = expectedReadings(values);
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));
    assert.equal(readout.equipmentId, values.equipment_id ?? values.cosem_logical_device_name ?? null);
    assert.equal(readout.p1Version, values.p1_version ?? null);
    assert.equal(readout.timestamp, values.timestamp_utc_derived ? Date.parse(values.timestamp_utc_derived) : null);
    if (values.gas) assert.equal(got.get('gas')?.value, values.gas.m3);
    for (const spec of readout.metrics) {
      const counter = /^(energy_|gas|water|heat)/.test(spec.name);
      assert.equal(spec.kind, counter ? 'counter' : undefined, `kind of ${spec.name}`);
    }
  });

  test(`${name}: framed the same when split into odd-sized chunks with noise before it`, () => {
    const { bytes } = load(name);
    const framer = new TelegramFramer();
    const stream = Buffer.concat([Buffer.from('\x00\xff noise\r\n', 'latin1'), bytes, bytes]);
    const frames = [];
    let size = 1;
    for (let at = 0; at < stream.length; at += size, size = (size * 7 + 3) % 61 || 1) {
      frames.push(...framer.push(stream.subarray(at, at + size)));
    }
    assert.equal(frames.length, 2);
    for (const f of frames) assert.deepEqual((f as FramedTelegram).bytes, bytes);
    assert.equal(framer.noiseBytes, 10);
  });
}

test('meter ids: hex equipment ids decode to the number printed on the meter', () => {
  assert.equal(meterDeviceId('4B384547303034303436333935353037'), 'K8EG004046395507');
  assert.equal(meterDeviceId('3153414733313031303231363035'), '1SAG3101021605');
  assert.equal(meterDeviceId('53414731303330373930303032353734'), 'SAG1030790002574');
  // Not printable once decoded, or not hex at all: used as sent.
  assert.equal(meterDeviceId('00000000000000'), '00000000000000');
  assert.equal(meterDeviceId('205C4D246333034353537383234323121'), '205C4D246333034353537383234323121');
  assert.equal(meterDeviceId('ADC3100000158491'), 'ADC3100000158491');
  // Characters outside the id charset become "-", and an id never starts with one.
  assert.equal(meterDeviceId('2F4D6574657220233120'), 'Meter-1');
  assert.equal(meterDeviceId('   '), null);
});

test('timestamps: W is UTC+1, S is UTC+2, anything else is no time', () => {
  assert.equal(parseDsmrTimestamp('170102192002W'), Date.parse('2017-01-02T18:20:02Z'));
  assert.equal(parseDsmrTimestamp('200512135409S'), Date.parse('2020-05-12T11:54:09Z'));
  assert.equal(parseDsmrTimestamp('161107190000'), null);
  assert.equal(parseDsmrTimestamp('632525252525S'), null);
  assert.equal(parseDsmrTimestamp('230231120000W'), null);
});

test('W and Wh meters are stored in kW and kWh', () => {
  const telegram = parseTelegram(
    Buffer.from('/XMX5\r\n\r\n1-0:1.8.1(001234567*Wh)\r\n1-0:1.7.0(00000415*W)\r\n1-0:32.7.0(231*kV)\r\n!\r\n'),
  );
  const readout = readoutOf(telegram, RECEIVED_AT);
  assert.deepEqual(
    readout.readings.map((r) => [r.metric, r.value]),
    [
      ['energy_delivered_tariff1', 1234.567],
      ['power_delivered', 0.415],
    ],
  );
  assert.deepEqual(readout.skipped, [{ obis: '1-0:32.7.0', reason: 'unit kV where V was expected' }]);
});
