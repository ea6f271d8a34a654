// The devices file: which serial devices the hub opens and how. YAML or JSON (JSON is YAML), read
// once at start and checked against its JSON schema: each entry against the schema of its
// `transport`, which is the shared fields (device-config.ts) plus the transport's own (its
// descriptor). Every error names the offending field (`devices[2].sensors[0].pin: must be A0-A5
// or 0-13`) so a typo is found without guessing. What a schema cannot say is checked after it:
// ids and names by the core's rules, one of port and match, each transport's own rules (its
// toConfig), and duplicates across devices (here).
// Sessions receive a SerialDeviceConfig with all defaults filled in.
import { existsSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Type, type Static, type TObject } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../config/settings.js';
import { configErrorOf } from './config-errors.js';
import { MESSAGE_KEYWORDS, commonConfig } from './device-config.js';
import { SERIAL_TRANSPORTS, serialTransport, type SerialDeviceConfig } from './transports.js';

type DeviceEntry = Static<(typeof SERIAL_TRANSPORTS)[number]['configSchema']>;

/**
 * A transport's entry schema, with the other transports' own fields refused by their `elsewhere`
 * reason: a meter given `sensors` is told that only firmata boards take pin maps, not just that
 * the field is unknown.
 */
function withForeignFields(schema: TObject, kind: string): object {
  const foreign = SERIAL_TRANSPORTS.flatMap((other) => Object.entries(other.configSchema.properties))
    .filter(([name, field]) => typeof field.elsewhere === 'string' && !(name in schema.properties))
    .map(([name, field]) => [name, { not: {}, message: String(field.elsewhere).replace('{transport}', kind) }]);
  return { ...schema, properties: { ...schema.properties, ...Object.fromEntries(foreign) } };
}

// `transport` is checked first, then only the schema of that transport (the discriminator picks
// it), so an error is about the entry's own transport and never a list of every alternative.
const DeviceEntrySchema = Type.Unsafe<DeviceEntry>({
  type: 'object',
  required: ['transport'],
  properties: { transport: Type.Enum(SERIAL_TRANSPORTS.map((t) => t.kind)) },
  discriminator: { propertyName: 'transport' },
  oneOf: SERIAL_TRANSPORTS.map((t) => withForeignFields(t.configSchema, t.kind)),
});

export const DevicesFileSchema = Type.Object(
  { devices: Type.Optional(Type.Array(DeviceEntrySchema)) },
  { additionalProperties: false, message: 'must be a mapping with a "devices" list' },
);

const ajv = new Ajv({ discriminator: true, verbose: true });
ajv.addVocabulary([...MESSAGE_KEYWORDS]);
const validate = ajv.compile<Static<typeof DevicesFileSchema>>(DevicesFileSchema);

/** Reads and validates the devices file; a missing file means no serial devices. */
export function loadDevicesFile(path: string): SerialDeviceConfig[] {
  if (!existsSync(path)) return [];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, `not valid YAML or JSON: ${(err as Error).message}`);
  }
  return parseDevicesDocument(doc);
}

/** Validates an already parsed document (exported for tests and for other file formats). */
export function parseDevicesDocument(doc: unknown): SerialDeviceConfig[] {
  const file = withoutNulls(doc);
  if (file === null || file === undefined) return [];
  if (!validate(file)) throw configErrorOf(validate.errors ?? [], file);
  const devices = (file.devices ?? []).map((entry, i) => deviceConfig(entry, `devices[${i}]`));
  refuseDuplicates(devices);
  return devices;
}

/** YAML reads a field left empty (`name:`) as null, which means the same as leaving it out. */
function withoutNulls(value: unknown, within: readonly object[] = []): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // A YAML alias inside its own anchor (`a: &x [*x]`) makes a cycle; no devices file means one.
  if (within.includes(value)) throw new ConfigError('devices file', 'an alias (*name) refers to a node that contains it');
  const inside = [...within, value];
  if (Array.isArray(value)) return value.map((v) => withoutNulls(v, inside));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v, inside)]),
  );
}

function deviceConfig(entry: DeviceEntry, at: string): SerialDeviceConfig {
  const transport = serialTransport(entry.transport);
  return transport.toConfig(entry, commonConfig(entry, at, transport.defaultBaud), at);
}

function refuseDuplicates(devices: SerialDeviceConfig[]): void {
  const seenIds = new Map<string, number>();
  const seenPorts = new Map<string, number>();
  const seenMatches = new Map<string, number>();
  devices.forEach((d, i) => {
    if (d.id !== undefined) {
      const first = seenIds.get(d.id);
      if (first !== undefined) throw new ConfigError(`devices[${i}].id`, `"${d.id}" is already used by devices[${first}]`);
      seenIds.set(d.id, i);
    }
    if (d.port !== undefined) {
      const first = seenPorts.get(d.port);
      if (first !== undefined) throw new ConfigError(`devices[${i}].port`, `${d.port} is already used by devices[${first}]`);
      seenPorts.set(d.port, i);
    }
    if (d.match !== undefined) {
      // The same USB ids find the same adapter, so both entries would fight over one port.
      const key = JSON.stringify([d.match.vendorId, d.match.productId, d.match.serialNumber]);
      const first = seenMatches.get(key);
      if (first !== undefined)
        throw new ConfigError(
          `devices[${i}].match`,
          `the same USB ids as devices[${first}] find the same adapter; tell them apart by serialNumber or give port paths`,
        );
      seenMatches.set(key, i);
    }
  });
}
