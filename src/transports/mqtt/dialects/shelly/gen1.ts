// Shelly Gen1 (Shelly 1, 1PM, 2.5, Plug S, EM, 3EM, H&T, …) over MQTT: one plain value per
// topic under shellies/<id>/ (or the prefix the device was given). Relays report on/off on
// relay/<n> and take on/off on relay/<n>/command; meters report on relay/<n>/power|energy and
// emeter/<n>/<field>. Gen1 counts relay and emeter `energy` in watt-minutes; the hub stores
// them in Wh (÷ 60), like `total` and Gen2's aenergy.total, so one device's counters share a unit.
import type { RefusedReading } from '../dialect.js';
import type { Announce } from './schemas.js';
import type { Measurement } from './status.js';

export type Gen1Reading =
  /** A plain value at a known path. */
  | { kind: 'measurement'; measurement: Measurement }
  /** relay/<n> reported its state: a 1/0 reading, and the answer to commands asking for it. */
  | { kind: 'relay'; measurement: Measurement; actuator: string }
  | { kind: 'refused'; refused: RefusedReading }
  /** A topic of the device's the hub has no use for (info, temperature_f, input_event, …). */
  | { kind: 'ignored' };

interface Field {
  unit?: string;
  /** Multiplier into the stored unit (watt-minutes → Wh). */
  scale?: number;
}

const WATT_MINUTES: Field = { unit: 'Wh', scale: 1 / 60 };

/** emeter/<n>/<field> of the EM and 3EM. */
const EMETER_FIELDS: Record<string, Field> = {
  power: { unit: 'W' },
  reactive_power: { unit: 'var' },
  voltage: { unit: 'V' },
  current: { unit: 'A' },
  pf: {},
  total: { unit: 'Wh' },
  total_returned: { unit: 'Wh' },
  energy: WATT_MINUTES,
  returned_energy: WATT_MINUTES,
};

/** relay/<n>/<field> of the metering relays (1PM, 2.5, Plug S). */
const RELAY_FIELDS: Record<string, Field> = { power: { unit: 'W' }, energy: WATT_MINUTES };

/** Single-level and sensor paths: the device's temperature and supply, the H&T's sensors. */
const DEVICE_FIELDS: Record<string, Field> = {
  temperature: { unit: '°C' },
  voltage: { unit: 'V' },
  'sensor/temperature': { unit: '°C' },
  'sensor/humidity': { unit: '%' },
  'sensor/battery': { unit: '%' },
};

/** The reading a Gen1 topic under the prefix carries, by its path (['relay', '0', 'power']). */
export function readGen1(path: string[], payload: Buffer): Gen1Reading {
  const text = payload.toString('utf8').trim();
  const [head, index, field, ...more] = path;
  const numbered = index !== undefined && /^\d+$/.test(index) && more.length === 0;
  if (head === 'relay' && numbered && field === undefined) return relayState(`relay.${index}`, text);
  if (head === 'relay' && numbered && Object.hasOwn(RELAY_FIELDS, field))
    return value(`relay.${index}.${field}`, text, RELAY_FIELDS[field]);
  if (head === 'emeter' && numbered && Object.hasOwn(EMETER_FIELDS, field))
    return value(`emeter.${index}.${field}`, text, EMETER_FIELDS[field]);
  if (head === 'input' && numbered && field === undefined) return value(`input.${index}`, text, {});
  const joined = path.join('/');
  if (Object.hasOwn(DEVICE_FIELDS, joined)) return value(joined.replace('/', '.'), text, DEVICE_FIELDS[joined]);
  return { kind: 'ignored' };
}

/** `on`/`off` → 1/0; `overpower` (switched off by its protection) is a state, not a reading. */
function relayState(metric: string, text: string): Gen1Reading {
  if (text === 'on' || text === 'off') return { kind: 'relay', measurement: { metric, value: text === 'on' ? 1 : 0 }, actuator: metric };
  if (text === 'overpower') return { kind: 'ignored' };
  return { kind: 'refused', refused: { metric, detail: `relay state must be on or off, got ${JSON.stringify(text.slice(0, 40))}` } };
}

function value(metric: string, text: string, field: Field): Gen1Reading {
  const number = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(number))
    return { kind: 'refused', refused: { metric, detail: `value must be a plain number, got ${JSON.stringify(text.slice(0, 40))}` } };
  const scaled = field.scale === undefined ? number : number * field.scale;
  return {
    kind: 'measurement',
    measurement: field.unit === undefined ? { metric, value: scaled } : { metric, value: scaled, unit: field.unit },
  };
}

/**
 * Whether an announce is this device's: Gen1 announces the id of its topics (`shelly1` for
 * shellies/shelly1), a Gen2 script announces its device id, which is its default prefix.
 */
export function announcesPrefix(announce: Announce, prefix: string): boolean {
  return announce.id === prefix || `shellies/${announce.id}` === prefix;
}

/** `on`/`off` on relay/<n>/command; the device answers by reporting relay/<n>. */
export function relayCommand(prefix: string, relay: number, on: boolean): { topic: string; payload: string } {
  return { topic: `${prefix}/relay/${relay}/command`, payload: on ? 'on' : 'off' };
}
