// What a Homie device said about its properties, one retained attribute at a time (`$datatype`,
// `$unit`, `$settable`, `$format`) or all at once (Homie 5's `$description`), and what follows
// from it: how a value reads as a number, which properties are actuators, and how a hub command
// is written for a property. Kept per device in its session, bounded.
import type { ActuatorSpec, MetricSpec } from '../../../../core/model.js';

export const DATATYPES = ['integer', 'float', 'boolean', 'string', 'enum', 'color', 'datetime', 'duration', 'json'] as const;
export type Datatype = (typeof DATATYPES)[number];

export interface Property {
  node: string;
  property: string;
  metric: string;
  datatype?: Datatype;
  unit?: string;
  settable?: boolean;
  format?: string;
}

/** Most properties remembered per device; beyond it values still read, by their payload alone. */
export const MAX_PROPERTIES = 500;

// Words of two-state properties, as devices spell them in enums and strings (case aside).
const ON_WORDS: ReadonlySet<string> = new Set(['true', 'on', 'open', 'yes']);
const OFF_WORDS: ReadonlySet<string> = new Set(['false', 'off', 'closed', 'no']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The metric of `<node>/<prop>`: `node.prop`, lowercased, other characters than letters, digits,
 * `_` and `-` made `_`, and an `n` in front when the node starts with a digit (a metric starts with
 * a letter). Homie IDs are lowercase letters, digits and hyphens, so most names pass unchanged.
 */
export function metricOf(node: string, property: string): string {
  const clean = (id: string) => id.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  const metric = `${clean(node)}.${clean(property)}`;
  return /^[a-z]/.test(metric) ? metric : `n${metric}`;
}

export class PropertyTable {
  private readonly byPath = new Map<string, Property>();

  /** The property at `<node>/<prop>`, created when there is room. */
  at(node: string, property: string): Property | undefined {
    const path = `${node}/${property}`;
    let known = this.byPath.get(path);
    if (!known && this.byPath.size < MAX_PROPERTIES) this.byPath.set(path, (known = { node, property, metric: metricOf(node, property) }));
    return known;
  }

  find(node: string, property: string): Property | undefined {
    return this.byPath.get(`${node}/${property}`);
  }

  byMetric(metric: string): Property | undefined {
    for (const p of this.byPath.values()) if (p.metric === metric) return p;
    return undefined;
  }

  actuators(): ActuatorSpec[] {
    const specs: ActuatorSpec[] = [];
    for (const p of this.byPath.values()) {
      const type = actuatorType(p);
      if (type) specs.push({ name: p.metric, type });
    }
    return specs.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

/** The metric a property's values are stored under, once the device said enough to show it. */
export function metricSpec(p: Property): MetricSpec | null {
  if (p.datatype !== undefined && !storable(p)) return null;
  if (p.datatype === undefined && p.unit === undefined) return null;
  return p.unit ? { name: p.metric, unit: p.unit } : { name: p.metric };
}

function storable(p: Property): boolean {
  return p.datatype === 'integer' || p.datatype === 'float' || p.datatype === 'boolean' || onOffPair(p) !== null;
}

/** A settable boolean (or on/off enum) is a relay; a settable number with a range, a pwm output. */
export function actuatorType(p: Property): ActuatorSpec['type'] | null {
  if (p.settable !== true) return null;
  if (p.datatype === 'boolean' || (p.datatype === 'enum' && onOffPair(p))) return 'relay';
  if ((p.datatype === 'integer' || p.datatype === 'float') && rangeOf(p.format)) return 'pwm';
  return null;
}

/** The enum's own spelling of on and off (`ON,OFF`, `OPEN,ClOSED`), when it has both. */
function onOffPair(p: Property): { on: string; off: string } | null {
  if (p.datatype !== 'enum' || !p.format) return null;
  const choices = p.format.split(',');
  const on = choices.find((c) => ON_WORDS.has(c.trim().toLowerCase()));
  const off = choices.find((c) => OFF_WORDS.has(c.trim().toLowerCase()));
  return on !== undefined && off !== undefined ? { on, off } : null;
}

/** `from:to` (Homie 4) or `min:max[:step]` (Homie 5, either end may be left open). */
export function rangeOf(format: string | undefined): { min?: number; max?: number } | null {
  const match = format ? /^([^:]*):([^:]*)(:[^:]*)?$/.exec(format) : null;
  if (!match) return null;
  const end = (text: string) => (NUMBER.test(text) ? Number(text) : undefined);
  const min = end(match[1]);
  const max = end(match[2]);
  if ((match[1] !== '' && min === undefined) || (match[2] !== '' && max === undefined)) return null;
  return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
}

export type ValueRead = { ok: true; value: number } | { ok: false; detail: string };

/**
 * A property value as a number: integers and floats as they are, booleans as 1/0, and enums or
 * strings only when they are two-state words (on/off, open/closed, true/false, yes/no: 1/0).
 * Before the device named the datatype, a number or a two-state word is taken as such.
 */
export function readValue(p: Property | undefined, payload: string): ValueRead {
  const text = payload.trim();
  const datatype = p?.datatype;
  const word = text.toLowerCase();
  const twoState = ON_WORDS.has(word) ? 1 : OFF_WORDS.has(word) ? 0 : null;
  if (datatype === 'integer' || datatype === 'float' || datatype === undefined) {
    if (NUMBER.test(text)) return { ok: true, value: Number(text) };
    if (datatype === undefined && twoState !== null) return { ok: true, value: twoState };
    return {
      ok: false,
      detail: `value ${quote(text)} is not a number${datatype ? ` (its $datatype is ${datatype})` : ' or an on/off state'}`,
    };
  }
  if (datatype === 'boolean') {
    if (word === 'true' || word === 'false') return { ok: true, value: word === 'true' ? 1 : 0 };
    return { ok: false, detail: `value ${quote(text)} of a boolean property is not true or false` };
  }
  if ((datatype === 'enum' || datatype === 'string') && twoState !== null) return { ok: true, value: twoState };
  return { ok: false, detail: `${datatype} value ${quote(text)} is not stored: the hub keeps numbers and on/off-like states` };
}

export type SetPayload = { ok: true; payload: string } | { ok: false; detail: string };

/** How a hub `set` value is written to a property's `/set` topic, or why it cannot be. */
export function setPayload(p: Property | undefined, value: boolean | number): SetPayload {
  if (p?.settable === false) return { ok: false, detail: `${p.metric} is not settable (its $settable is false)` };
  const datatype = p?.datatype;
  if (datatype === undefined) return { ok: true, payload: String(value) };
  if (datatype === 'boolean') {
    if (typeof value === 'boolean') return { ok: true, payload: String(value) };
    if (value === 0 || value === 1) return { ok: true, payload: String(value === 1) };
    return { ok: false, detail: `${p!.metric} is a boolean property: set it to true or false` };
  }
  if (datatype === 'enum') {
    const pair = onOffPair(p!);
    if (pair && (typeof value === 'boolean' || value === 0 || value === 1)) return { ok: true, payload: value ? pair.on : pair.off };
    return { ok: false, detail: `${p!.metric} is an enum of ${p!.format ?? '(unknown values)'}; only on/off enums can be set` };
  }
  if (datatype === 'integer' || datatype === 'float') return numberPayload(p!, typeof value === 'boolean' ? Number(value) : value);
  return { ok: false, detail: `${p!.metric} is a ${datatype} property; the hub sets numbers and on/off states` };
}

function numberPayload(p: Property, value: number): SetPayload {
  if (p.datatype === 'integer' && !Number.isInteger(value)) return { ok: false, detail: `${p.metric} takes whole numbers, not ${value}` };
  const range = rangeOf(p.format);
  if (range && ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)))
    return { ok: false, detail: `${value} is outside the range ${p.format} of ${p.metric}` };
  return { ok: true, payload: String(value) };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
