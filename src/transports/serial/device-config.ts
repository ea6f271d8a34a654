// The part of the devices file every serial device shares, whatever its transport: where its
// port is (a path, or USB ids that survive a replug), its id and name, and the port's framing.
// A transport's entry schema is these fields plus its own (deviceSchema()); its config type is
// SerialDeviceCommon plus its own.
//
// Schemas here and in the transports carry the words of their error messages, so a rule and
// what the user reads about it stay together (config-errors.ts turns them into ConfigErrors):
// `message` when the value is wrong ("{value}" is replaced by the value found), `missing` when
// a required field is absent, `elsewhere` on a transport's own field when another transport's
// device uses it ("{transport}" is replaced by that device's transport).
import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { ConfigError } from '../../config/settings.js';
import { checkDeviceId } from '../../core/model.js';

/** The annotation keywords above; the validator must know them to accept the schemas. */
export const MESSAGE_KEYWORDS = ['message', 'missing', 'elsewhere'] as const;

export const PARITIES = ['none', 'even', 'odd', 'mark', 'space'] as const;
export type Parity = (typeof PARITIES)[number];

/** Picks a port by its USB ids instead of its path, which changes between replugs and machines. */
export interface UsbMatch {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

/** What every configured device has, with the defaults filled in. */
export interface SerialDeviceCommon<Kind extends string = string> {
  /** Optional unless the transport needs it: a meter's equipment id or a line device's hello name the device. */
  id?: string;
  name?: string;
  transport: Kind;
  /** Exactly one of port and match is set. */
  port?: string;
  match?: UsbMatch;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  stopBits: 1 | 1.5 | 2;
}

/** A string with something in it besides blanks. */
export const Text = Type.String({ pattern: '\\S', message: 'must be a non-empty string, got {value}' });

// YAML reads 2341 as the number 2341 and 0043 as 43; USB ids are 4 hex digits, so a number is
// taken as the digits the user wrote (quoting the id in the file avoids the question).
const UsbId = Type.Union([Type.String({ pattern: '^[0-9a-fA-F]{4}$' }), Type.Integer({ minimum: 0, maximum: 9999 })], {
  message: 'must be 4 hex digits like "2341", got {value}',
});

const UsbMatchSchema = Type.Object(
  {
    vendorId: Type.Optional(UsbId),
    productId: Type.Optional(UsbId),
    serialNumber: Type.Optional(Type.Union([Text, Type.Number()], { message: 'must be a non-empty string, got {value}' })),
  },
  { additionalProperties: false, message: 'must be a mapping of vendorId, productId, serialNumber' },
);

function sharedFields<Kind extends string>(kind: Kind) {
  return {
    id: Type.Optional(Text),
    name: Type.Optional(Text),
    transport: Type.Literal(kind),
    port: Type.Optional(Text),
    match: Type.Optional(UsbMatchSchema),
    baudRate: Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000 })),
    dataBits: Type.Optional(Type.Enum([5, 6, 7, 8])),
    parity: Type.Optional(Type.Enum(PARITIES)),
    stopBits: Type.Optional(Type.Enum([1, 1.5, 2])),
  };
}

type SharedFields<Kind extends string> = ReturnType<typeof sharedFields<Kind>>;

/** One transport's device entry: the shared fields, then its own (which may tighten a shared one). */
export function deviceSchema<Kind extends string, Own extends TProperties>(kind: Kind, own: Own) {
  // Spelled out: TypeScript types a spread of a type parameter as an intersection, which would
  // keep a shared optional field optional where the transport requires it.
  return Type.Object<Omit<SharedFields<Kind>, keyof Own> & Own>({ ...sharedFields(kind), ...own }, { additionalProperties: false });
}

/** A valid entry's shared fields, as the schema lets them through. */
export type SharedEntry<Kind extends string = string> = Static<TObject<SharedFields<Kind>>>;

/**
 * The shared fields of an entry the schema accepted, with their defaults, after the checks a
 * schema cannot make: the id by the core's rules, and exactly one of port and match.
 */
export function commonConfig<Kind extends string>(entry: SharedEntry<Kind>, at: string, defaultBaud = 115200): SerialDeviceCommon<Kind> {
  if (entry.id !== undefined) {
    const problem = checkDeviceId(entry.id);
    if (problem) throw new ConfigError(`${at}.id`, problem);
  }
  if ((entry.port === undefined) === (entry.match === undefined)) {
    throw new ConfigError(`${at}.port`, 'give either port (a path) or match (USB ids), not both or neither');
  }
  return {
    id: entry.id,
    name: entry.name,
    transport: entry.transport,
    port: entry.port,
    match: entry.match === undefined ? undefined : usbMatch(entry.match, `${at}.match`),
    baudRate: entry.baudRate ?? defaultBaud,
    dataBits: entry.dataBits ?? 8,
    parity: entry.parity ?? 'none',
    stopBits: entry.stopBits ?? 1,
  };
}

function usbMatch(entry: Static<typeof UsbMatchSchema>, at: string): UsbMatch {
  const hex4 = (id: string | number | undefined) => (typeof id === 'number' ? String(id).padStart(4, '0') : id)?.toLowerCase();
  const match: UsbMatch = {
    vendorId: hex4(entry.vendorId),
    productId: hex4(entry.productId),
    serialNumber: entry.serialNumber === undefined ? undefined : String(entry.serialNumber),
  };
  if (!match.vendorId && !match.productId && !match.serialNumber)
    throw new ConfigError(at, 'needs at least one of vendorId, productId, serialNumber');
  return Object.fromEntries(Object.entries(match).filter(([, v]) => v !== undefined)) as UsbMatch;
}
