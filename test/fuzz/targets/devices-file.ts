// The devices file (src/transports/serial/config.ts and device-config.ts): text read as YAML, as
// loadDevicesFile reads it, then parseDevicesDocument. A file is accepted as a list of device
// configs with their defaults, or refused with a ConfigError naming the field. The refusal's code
// here is that field's name (`pin`, `baudRate`, `unknown_field` for a name the schema does not
// know, `yaml` for text that is no YAML), so the counts say which rules the inputs reached.
// Inputs: documents shaped like the README's examples with fields of any type and at their
// limits, as parsed documents or written as YAML or JSON, those mutated byte by byte, and random text.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ConfigError } from '../../../src/config/settings.js';
import { ACTUATOR_TYPES, checkDeviceId } from '../../../src/core/model.js';
import { parseDevicesDocument } from '../../../src/transports/serial/config.js';
import { PARITIES } from '../../../src/transports/serial/device-config.js';
import { SERIAL_TRANSPORTS, type SerialDeviceConfig } from '../../../src/transports/serial/transports.js';
import type { FuzzTarget, Outcome } from '../harness.js';
import { mutated } from '../mutate.js';
import { anyJson, anyText, deviceIdLike, metricLike } from '../tokens.js';

const KINDS = SERIAL_TRANSPORTS.map((t) => t.kind);

/** Every field name the schemas know, at any depth: the codes a refusal may carry. */
const FIELDS = [...new Set(['devices', ...SERIAL_TRANSPORTS.flatMap((t) => fieldNames(t.configSchema))])];

function fieldNames(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
  return [
    ...Object.entries(node.properties ?? {}).flatMap(([name, field]) => [name, ...fieldNames(field)]),
    ...fieldNames(node.items),
    ...(node.anyOf ?? []).flatMap(fieldNames),
  ];
}

const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
const some = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined, freq: 2 });
const pin = fc.oneof(fc.integer({ min: -1, max: 14 }), fc.constantFrom('A0', 'A5', 'A6', '7', '13', '14'));
const usbId = fc.oneof(fc.constantFrom('2341', '0043', '043', 'zzzz', 2341, 43, 10000), anyJson);

const entry = fc.record(
  {
    transport: mostly(fc.constantFrom(...KINDS, 'usb')),
    id: some(mostly(deviceIdLike)),
    name: some(mostly(anyText(20))),
    port: some(mostly(fc.constantFrom('/dev/ttyUSB0', '/dev/ttyACM1', '', ' '))),
    match: some(mostly(fc.record({ vendorId: usbId, productId: usbId, serialNumber: mostly(anyText(8)) }, { requiredKeys: [] }))),
    baudRate: some(mostly(fc.oneof(fc.constantFrom(9600, 57600, 115200, 49, 4_000_001, 1.5), fc.integer()))),
    dataBits: some(mostly(fc.constantFrom(5, 6, 7, 8, 9))),
    parity: some(mostly(fc.constantFrom(...PARITIES, 'NONE'))),
    stopBits: some(mostly(fc.constantFrom(1, 1.5, 2, 3))),
    sampleIntervalMs: some(mostly(fc.constantFrom(10, 9, 1000, 3_600_001))),
    sensors: some(
      mostly(
        fc.array(
          fc.record(
            {
              pin: mostly(pin),
              metric: mostly(metricLike),
              unit: some(mostly(anyText(4))),
              intervalMs: some(mostly(fc.constantFrom(10, 200, 9))),
              scale: some(
                mostly(fc.record({ from: mostly(fc.tuple(fc.integer(), fc.integer())), to: mostly(fc.tuple(fc.double(), fc.double())) })),
              ),
            },
            { requiredKeys: ['pin', 'metric'] },
          ),
          { maxLength: 3 },
        ),
      ),
    ),
    actuators: some(
      mostly(
        fc.array(fc.record({ name: mostly(metricLike), type: mostly(fc.constantFrom(...ACTUATOR_TYPES, 'motor')), pin: mostly(pin) }), {
          maxLength: 3,
        }),
      ),
    ),
    probe: some(
      mostly(
        fc.record(
          { intervalMs: mostly(fc.constantFrom(100, 99, 5000)), timeoutMs: mostly(fc.constantFrom(50, 49, 3000)) },
          { requiredKeys: [] },
        ),
      ),
    ),
  },
  { requiredKeys: ['transport'] },
);

const documents = fc.oneof(
  { weight: 10, arbitrary: fc.record({ devices: fc.array(entry, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('devices', 'device', 'x'), anyJson, { maxKeys: 2 }) },
  { weight: 1, arbitrary: anyJson },
);

const text = fc.oneof(
  { weight: 5, arbitrary: documents.map((d) => toYaml(d)) },
  { weight: 2, arbitrary: documents.map((d) => JSON.stringify(d) ?? 'null') },
  { weight: 3, arbitrary: mutated(documents.map((d) => Buffer.from(toYaml(d)))).map((b) => b.toString('utf8')) },
  { weight: 1, arbitrary: fc.constantFrom('', 'devices:', 'devices: []', '~', '- a', 'a: &x [*x]', 'devices: !!binary aGk=', '{') },
  { weight: 1, arbitrary: anyText(60) },
);

/** A file's text, or a document as another format's reader would hand it over (YAML is the slow part). */
type DevicesInput = { text: string } | { doc: unknown };

export const devicesFileTarget: FuzzTarget<DevicesInput> = {
  name: 'devices-file',
  // YAML reading takes about a millisecond per document here.
  ciRuns: 5_000,
  codes: ['yaml', 'unknown_field', 'devices file', ...FIELDS],
  input: fc.oneof(
    text.map((t) => ({ text: t })),
    documents.map((d) => ({ doc: d })),
  ),
  feed(input) {
    let doc: unknown;
    if ('doc' in input) doc = input.doc;
    else
      try {
        // As loadDevicesFile reads the file; its warnings (an unknown tag) would only fill the output.
        doc = parseYaml(input.text, { logLevel: 'error' });
      } catch (err) {
        return [{ refused: 'yaml', detail: `not valid YAML or JSON: ${(err as Error).message}` }];
      }
    let devices: SerialDeviceConfig[];
    try {
      devices = parseDevicesDocument(doc);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return [refusal(err)];
    }
    checkDevices(devices);
    return [{ accepted: true }];
  },
};

function refusal(err: ConfigError): Outcome {
  assert.ok(
    err.message.startsWith(`${err.setting}: `) && err.message.length > err.setting.length + 2,
    'a ConfigError names its field and says why',
  );
  const field = err.setting
    .split('.')
    .at(-1)!
    .replace(/\[\d+\]$/, '');
  const code = err.setting === 'devices file' ? 'devices file' : FIELDS.includes(field) ? field : 'unknown_field';
  return { refused: code, detail: err.message };
}

/** What the serial stage relies on in an accepted file. */
function checkDevices(devices: SerialDeviceConfig[]): void {
  const ids = devices.flatMap((d) => (d.id === undefined ? [] : [d.id]));
  const ports = devices.flatMap((d) => (d.port === undefined ? [] : [d.port]));
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  assert.equal(new Set(ports).size, ports.length, 'ports are unique');
  for (const d of devices) {
    assert.ok(KINDS.includes(d.transport));
    assert.ok((d.port === undefined) !== (d.match === undefined), 'one of port and match');
    if (d.id !== undefined) assert.equal(checkDeviceId(d.id), null);
    assert.ok(Number.isInteger(d.baudRate) && d.baudRate >= 50 && d.baudRate <= 4_000_000);
    assert.ok([5, 6, 7, 8].includes(d.dataBits) && PARITIES.includes(d.parity) && [1, 1.5, 2].includes(d.stopBits));
    if (d.match) assert.ok(Object.values(d.match).every((v) => typeof v === 'string' && v.length > 0));
  }
}
