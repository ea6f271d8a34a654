// A Gen2+ component's status as readings. Every number in it is a reading named by its path
// (`switch:0` → `switch.0.apower`, `switch.0.aenergy.total`, `switch.0.temperature.tc`),
// true/false become 1/0 (`switch.0.output`), and the unit comes from Shelly's field name
// (apower W, voltage V, current A, aenergy.total Wh, tC °C). Arrays (`by_minute`), strings
// (`source`), timestamps and duplicates (`minute_ts`, `tF`) are not measurements and are left out,
// as are the components that describe the device's plumbing rather than what it measures.
import { checkMetricName } from '../../../../core/model.js';
import type { RefusedReading } from '../dialect.js';

export interface Measurement {
  metric: string;
  value: number;
  unit?: string;
}

/** Components of the device's own plumbing (system, network, cloud, scripts): nothing to chart. */
const PLUMBING = new Set([
  'sys',
  'wifi',
  'eth',
  'cloud',
  'mqtt',
  'ws',
  'ble',
  'bthome',
  'script',
  'ui',
  'sntp',
  'kvs',
  'schedule',
  'webhook',
  'knx',
  'modbus',
  'matter',
  'zigbee',
  'plugs_ui',
  'ht_ui',
]);

/** Fields that are not measurements: ids, times, and the Fahrenheit copy of tC. */
const NOT_MEASURED = new Set(['id', 'ts', 'minute_ts', 'tf', 'timer_started_at', 'timer_duration', 'unixtime']);

/** Deepest nesting read inside one component's status; Shelly's own goes two levels down. */
const MAX_DEPTH = 4;

/** Whether a component's status carries measurements at all. */
export function isMeasured(component: string): boolean {
  return !PLUMBING.has(component.split(':')[0].toLowerCase());
}

/** The metric prefix of a component: `switch:0` → `switch.0`, `em1:2` → `em1.2`. */
export function componentMetric(component: string): string {
  const name = sanitize(component.replace(':', '.'));
  // A metric name starts with a letter; a component key that does not (garbled bytes) gets one.
  return /^[a-z]/.test(name) ? name : `c${name}`;
}

/** The actuator a component is, when the hub can switch it: Gen2's switches (Switch.Set). */
export function actuatorOf(component: string, status: Record<string, unknown>): string | null {
  return /^switch:\d+$/.test(component) && typeof status.output === 'boolean' ? componentMetric(component) : null;
}

/** The readings of one component's status (full or partial). */
export function measure(component: string, status: Record<string, unknown>): { measurements: Measurement[]; refused: RefusedReading[] } {
  const measurements: Measurement[] = [];
  const refused: RefusedReading[] = [];
  const walk = (value: unknown, path: string[]): void => {
    const field = path[path.length - 1];
    if (NOT_MEASURED.has(field)) return;
    const metric = [componentMetric(component), ...path].join('.');
    const unit = unitOf(path);
    const invalid = checkMetricName(metric);
    if (invalid && (typeof value !== 'object' || value === null)) {
      refused.push({ metric: metric.slice(0, 64), detail: invalid });
      return;
    }
    if (typeof value === 'number') measurements.push(withUnit({ metric, value }, unit));
    else if (typeof value === 'boolean') measurements.push({ metric, value: value ? 1 : 0 });
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && path.length < MAX_DEPTH) {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...path, sanitize(key)]);
    } else if (unit !== undefined && value !== null && !Array.isArray(value)) {
      // A field that always holds a number (it has a unit) holding something else.
      refused.push({ metric, detail: `value must be a number, got ${JSON.stringify(value).slice(0, 40)}` });
    }
  };
  for (const [key, value] of Object.entries(status)) walk(value, [sanitize(key)]);
  return { measurements, refused };
}

/** Shelly's field names carry their units; `path` is the field's path inside the component, lowercased. */
export function unitOf(path: string[]): string | undefined {
  const field = path[path.length - 1];
  const parent = path[path.length - 2] ?? '';
  if (field === 'total' && parent.endsWith('energy')) return 'Wh';
  if (field === 'apower' || /(^|_)act_power$/.test(field)) return 'W';
  if (/(^|_)aprt_power$/.test(field)) return 'VA';
  if (/(^|_)voltage$/.test(field) || field === 'v') return 'V';
  if (/(^|_)current$/.test(field)) return 'A';
  if (/(^|_)freq$/.test(field)) return 'Hz';
  if (/_energy$|^total_act(_ret)?$/.test(field)) return 'Wh';
  if (field === 'tc') return '°C';
  if (field === 'rh' || field === 'percent') return '%';
  if (field === 'lux') return 'lx';
  return undefined;
}

/** A deterministic metric segment: lowercase, anything but letters, digits, `_`, `-` and `.` becomes `_`. */
export function sanitize(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9_.-]/g, '_');
}

function withUnit(m: Measurement, unit: string | undefined): Measurement {
  return unit === undefined ? m : { ...m, unit };
}
