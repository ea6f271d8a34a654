// The devices file: which serial devices the hub opens and how. YAML or JSON (JSON is YAML), read
// once at start. Everything is validated here, at the edge, and every error names the offending
// field (`devices[2].sensors[0].pin: must be A0-A5 or 0-13`) so a typo is found without guessing.
// Sessions receive a SerialDeviceConfig with all defaults filled in.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../config/settings.js';
import { checkDeviceId, checkMetricName } from '../../core/model.js';
import { field, oneOf, optionalNumber, optionalString, rejectUnknownKeys, type Obj } from './config-fields.js';

export type SerialTransport = 'firmata' | 'line' | 'dsmr';
export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';

/** Picks a port by its USB ids instead of its path, which changes between replugs and machines. */
export interface UsbMatch {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export interface FirmataSensorConfig {
  /** "A0".."A5" for analog inputs, 0..13 for digital ones. */
  pin: string | number;
  metric: string;
  unit?: string;
  intervalMs?: number;
  /** Linear map of the raw value: `from` range onto `to` range. */
  scale?: { from: [number, number]; to: [number, number] };
}

export interface FirmataActuatorConfig {
  name: string;
  type: 'led' | 'relay' | 'pwm' | 'servo';
  pin: string | number;
}

export interface SerialDeviceConfig {
  /** Optional for dsmr (the meter's equipment id is used) and line (the hello names the device). */
  id?: string;
  name?: string;
  transport: SerialTransport;
  /** Exactly one of port and match is set. */
  port?: string;
  match?: UsbMatch;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  stopBits: 1 | 1.5 | 2;
  sensors: FirmataSensorConfig[];
  actuators: FirmataActuatorConfig[];
  /** Firmata only: how often the board is asked for its firmware, and how long an answer may take before it counts as offline. */
  probe?: { intervalMs?: number; timeoutMs?: number };
  /** Line only: the sample interval the hub tells the firmware in its welcome (else the firmware's own). */
  sampleIntervalMs?: number;
}

const TRANSPORTS = ['firmata', 'line', 'dsmr'] as const;
const PARITIES = ['none', 'even', 'odd', 'mark', 'space'] as const;
const DEVICE_KEYS = ['id', 'name', 'transport', 'port', 'match', 'baudRate', 'dataBits', 'parity', 'stopBits', 'sensors', 'actuators', 'probe', 'sampleIntervalMs'];
const DEFAULT_BAUD: Record<SerialTransport, number> = { dsmr: 115200, line: 115200, firmata: 57600 };

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
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('devices file', 'must be a mapping with a "devices" list');
  rejectUnknownKeys(doc as Obj, '', ['devices']);
  const list = (doc as Obj).devices;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ConfigError('devices', 'must be a list');
  const devices = list.map((entry, i) => parseDevice(entry, `devices[${i}]`));
  rejectDuplicates(devices);
  return devices;
}

function parseDevice(entry: unknown, at: string): SerialDeviceConfig {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(at, 'must be a mapping');
  const raw = entry as Obj;
  rejectUnknownKeys(raw, at, DEVICE_KEYS);
  const transport = oneOf(raw.transport, `${at}.transport`, TRANSPORTS, true) as SerialTransport;
  const id = optionalString(raw.id, `${at}.id`);
  if (id !== undefined) {
    const problem = checkDeviceId(id);
    if (problem) throw new ConfigError(`${at}.id`, problem);
  } else if (transport === 'firmata') {
    throw new ConfigError(`${at}.id`, 'is required for firmata boards (they do not name themselves)');
  }
  const port = optionalString(raw.port, `${at}.port`);
  const match = raw.match === undefined ? undefined : parseMatch(raw.match, `${at}.match`);
  if ((port === undefined) === (match === undefined)) throw new ConfigError(`${at}.port`, 'give either port (a path) or match (USB ids), not both or neither');

  const baudRate = optionalNumber(raw.baudRate, `${at}.baudRate`, { min: 50, max: 4_000_000, integer: true }) ?? DEFAULT_BAUD[transport];
  // DSMR 2.2/3.0 meters talk 9600 7E1; v4/v5 (and everything else) 115200 8N1.
  const legacyDsmr = transport === 'dsmr' && baudRate === 9600;
  const dataBits = (optionalNumber(raw.dataBits, `${at}.dataBits`, { choices: [5, 6, 7, 8] }) ?? (legacyDsmr ? 7 : 8)) as 5 | 6 | 7 | 8;
  const parity = (oneOf(raw.parity, `${at}.parity`, PARITIES, false) ?? (legacyDsmr ? 'even' : 'none')) as Parity;
  const stopBits = (optionalNumber(raw.stopBits, `${at}.stopBits`, { choices: [1, 1.5, 2] }) ?? 1) as 1 | 1.5 | 2;

  const sensors = parseList(raw.sensors, `${at}.sensors`, parseSensor);
  const actuators = parseList(raw.actuators, `${at}.actuators`, parseActuator);
  if (transport !== 'firmata' && (sensors.length > 0 || actuators.length > 0)) {
    throw new ConfigError(`${at}.${sensors.length > 0 ? 'sensors' : 'actuators'}`, `only firmata boards take pin maps; ${transport} devices describe themselves`);
  }
  rejectSharedPins(sensors, actuators, at);
  const name = optionalString(raw.name, `${at}.name`);
  const probe = raw.probe === undefined ? undefined : parseProbe(raw.probe, `${at}.probe`);
  if (probe && transport !== 'firmata') throw new ConfigError(`${at}.probe`, 'only firmata boards are probed; other devices send heartbeats or telegrams');
  const sampleIntervalMs = optionalNumber(raw.sampleIntervalMs, `${at}.sampleIntervalMs`, { min: 10, max: 3_600_000, integer: true });
  if (sampleIntervalMs !== undefined && transport !== 'line') throw new ConfigError(`${at}.sampleIntervalMs`, 'only line devices take a sample interval from the hub');
  return {
    id, name, transport, port, match, baudRate, dataBits, parity, stopBits, sensors, actuators,
    ...(probe ? { probe } : {}), ...(sampleIntervalMs !== undefined ? { sampleIntervalMs } : {}),
  };
}

function parseProbe(value: unknown, at: string): NonNullable<SerialDeviceConfig['probe']> {
  const raw = field.mapping(value, at);
  rejectUnknownKeys(raw, at, ['intervalMs', 'timeoutMs']);
  const intervalMs = optionalNumber(raw.intervalMs, `${at}.intervalMs`, { min: 100, max: 3_600_000, integer: true });
  const timeoutMs = optionalNumber(raw.timeoutMs, `${at}.timeoutMs`, { min: 50, max: 600_000, integer: true });
  return { ...(intervalMs !== undefined ? { intervalMs } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}

function parseMatch(value: unknown, at: string): UsbMatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(at, 'must be a mapping of vendorId, productId, serialNumber');
  const raw = value as Obj;
  rejectUnknownKeys(raw, at, ['vendorId', 'productId', 'serialNumber']);
  const hex4 = (v: unknown, f: string) => {
    // YAML reads 2341 as the number 2341 and 0043 as 43; USB ids are 4 hex digits, so a number
    // is taken as the digits the user wrote (quoting the id in the file avoids the question).
    const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v).padStart(4, '0') : optionalString(v, f);
    if (s !== undefined && !/^[0-9a-fA-F]{4}$/.test(s)) throw new ConfigError(f, `must be 4 hex digits like "2341", got "${s}"`);
    return s?.toLowerCase();
  };
  const match: UsbMatch = {
    vendorId: hex4(raw.vendorId, `${at}.vendorId`),
    productId: hex4(raw.productId, `${at}.productId`),
    serialNumber: typeof raw.serialNumber === 'number' ? String(raw.serialNumber) : optionalString(raw.serialNumber, `${at}.serialNumber`),
  };
  if (!match.vendorId && !match.productId && !match.serialNumber) throw new ConfigError(at, 'needs at least one of vendorId, productId, serialNumber');
  return Object.fromEntries(Object.entries(match).filter(([, v]) => v !== undefined)) as UsbMatch;
}

function parseSensor(value: unknown, at: string): FirmataSensorConfig {
  const raw = field.mapping(value, at);
  rejectUnknownKeys(raw, at, ['pin', 'metric', 'unit', 'intervalMs', 'scale']);
  const pin = parsePin(raw.pin, `${at}.pin`);
  const metric = optionalString(raw.metric, `${at}.metric`);
  if (metric === undefined) throw new ConfigError(`${at}.metric`, 'is required');
  const problem = checkMetricName(metric);
  if (problem) throw new ConfigError(`${at}.metric`, problem);
  const sensor: FirmataSensorConfig = { pin, metric };
  const unit = optionalString(raw.unit, `${at}.unit`);
  if (unit !== undefined) sensor.unit = unit;
  const intervalMs = optionalNumber(raw.intervalMs, `${at}.intervalMs`, { min: 10, max: 3_600_000, integer: true });
  if (intervalMs !== undefined) sensor.intervalMs = intervalMs;
  if (raw.scale !== undefined) sensor.scale = parseScale(raw.scale, `${at}.scale`);
  return sensor;
}

function parseActuator(value: unknown, at: string): FirmataActuatorConfig {
  const raw = field.mapping(value, at);
  rejectUnknownKeys(raw, at, ['name', 'type', 'pin']);
  const name = optionalString(raw.name, `${at}.name`);
  if (name === undefined) throw new ConfigError(`${at}.name`, 'is required');
  const problem = checkMetricName(name);
  if (problem) throw new ConfigError(`${at}.name`, problem.replace('metric name', 'actuator name'));
  const type = oneOf(raw.type, `${at}.type`, ['led', 'relay', 'pwm', 'servo'] as const, true) as FirmataActuatorConfig['type'];
  return { name, type, pin: parsePin(raw.pin, `${at}.pin`) };
}

function parseScale(value: unknown, at: string): NonNullable<FirmataSensorConfig['scale']> {
  const raw = field.mapping(value, at);
  rejectUnknownKeys(raw, at, ['from', 'to']);
  const range = (v: unknown, f: string): [number, number] => {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw new ConfigError(f, 'must be two numbers like [0, 1023]');
    }
    if (v[0] === v[1]) throw new ConfigError(f, 'must span a range (the two ends differ)');
    return [v[0], v[1]];
  };
  return { from: range(raw.from, `${at}.from`), to: range(raw.to, `${at}.to`) };
}

function parsePin(value: unknown, at: string): string | number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 13) return value;
  if (typeof value === 'string' && /^A[0-5]$/.test(value)) return value;
  if (typeof value === 'string' && /^(?:[0-9]|1[0-3])$/.test(value)) return Number(value);
  throw new ConfigError(at, `must be A0-A5 or 0-13, got ${JSON.stringify(value)}`);
}

function parseList<T>(value: unknown, at: string, parseOne: (v: unknown, at: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(at, 'must be a list');
  return value.map((v, i) => parseOne(v, `${at}[${i}]`));
}

/** A pin is an input or an output, once: a second use would switch the first one's pin mode. */
function rejectSharedPins(sensors: FirmataSensorConfig[], actuators: FirmataActuatorConfig[], at: string): void {
  const users = new Map<string, string>();
  const uses = [
    ...sensors.map((s, i) => ({ pin: String(s.pin), user: `sensors[${i}]` })),
    ...actuators.map((a, i) => ({ pin: String(a.pin), user: `actuators[${i}]` })),
  ];
  for (const { pin, user } of uses) {
    const first = users.get(pin);
    if (first !== undefined) throw new ConfigError(`${at}.${user}.pin`, `pin ${pin} is already used by ${first}`);
    users.set(pin, user);
  }
}

function rejectDuplicates(devices: SerialDeviceConfig[]): void {
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
      if (first !== undefined) throw new ConfigError(`devices[${i}].match`, `the same USB ids as devices[${first}] find the same adapter; tell them apart by serialNumber or give port paths`);
      seenMatches.set(key, i);
    }
  });
}
