// Tasmota's sensor telemetry (`tele/<topic>/SENSOR`, and the same object under StatusSNS in the
// answer to `Status 10`): one JSON object per sensor, nested as the sensor reports it
// (`{"ENERGY":{"Total":1.2,"TotalTariff":[0.5,0.7]},"DS18B20":{"Temperature":21.3}}`). Every number
// becomes a reading named by its lowercase path (`energy.total`, `energy.totaltariff.0`,
// `ds18b20.temperature`); ON/OFF and true/false become 1/0; the unit comes from the documented
// unit of the quantity (units.ts). Text that describes rather than measures (the local `Time`,
// `TotalStartTime`, a sensor's `Id`, a wind direction's `Card`) is skipped.
import type { ReadingInput } from '../../../../core/ingest.js';
import { checkMetricName, type MetricSpec } from '../../../../core/model.js';
import type { RefusedReading } from '../dialect.js';
import { unitOf, type UnitContext } from './units.js';

/** Keys whose values are never measurements (compared lowercase). */
const DESCRIPTIVE_KEYS: ReadonlySet<string> = new Set([
  'time',
  'tempunit',
  'pressureunit',
  'speedunit',
  'totalstarttime',
  'id',
  'card',
  'avgcard',
  'device',
  'name',
  'mac',
  'model',
  'manufacturer',
  'type',
]);
/** Deeper than any sensor Tasmota reports; guards the recursion against a hostile payload. */
const MAX_DEPTH = 8;

export interface SensorReadings {
  readings: ReadingInput[];
  refused: RefusedReading[];
  /** Every metric read, with its unit when it has one. */
  metrics: MetricSpec[];
}

export function readSensors(body: Record<string, unknown>): SensorReadings {
  const context: UnitContext = {
    tempUnit: typeof body.TempUnit === 'string' ? body.TempUnit : undefined,
    pressureUnit: typeof body.PressureUnit === 'string' ? body.PressureUnit : undefined,
    speedUnit: typeof body.SpeedUnit === 'string' ? body.SpeedUnit : undefined,
  };
  const out: SensorReadings = { readings: [], refused: [], metrics: [] };
  walk(body, [], '', context, out);
  return out;
}

/** `quantity` is the last object key on the path: array indexes keep the unit of their array. */
function walk(value: unknown, path: string[], quantity: string, context: UnitContext, out: SensorReadings): void {
  if (path.length > MAX_DEPTH) {
    out.refused.push({ metric: metricName(path), detail: `nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, String(i)], quantity, context, out);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (DESCRIPTIVE_KEYS.has(key.toLowerCase())) continue;
      walk(item, [...path, segment(key)], key.toLowerCase(), context, out);
    }
    return;
  }
  leaf(value, path, quantity, context, out);
}

function leaf(value: unknown, path: string[], quantity: string, context: UnitContext, out: SensorReadings): void {
  const metric = metricName(path);
  const number = toNumber(value);
  if (typeof number === 'string') {
    out.refused.push({ metric, detail: number });
    return;
  }
  const invalid = checkMetricName(metric);
  if (invalid) {
    out.refused.push({ metric, detail: invalid });
    return;
  }
  out.readings.push({ metric, value: number });
  const unit = unitOf(path[0] ?? '', quantity, context);
  out.metrics.push(unit === undefined ? { name: metric } : { name: metric, unit });
}

/** A reading's value, or why it has none. */
export function toNumber(value: unknown): number | string {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const state = onOff(value);
    if (state !== null) return state;
    return `value must be a number or ON/OFF, got ${JSON.stringify(value.slice(0, 40))}`;
  }
  if (value === null) return 'the sensor reported no value (null)';
  return `value must be a number, got ${typeof value}`;
}

/** Tasmota's state texts (ON/OFF by default; lowercase from rules and older firmware). */
export function onOff(text: string): 0 | 1 | null {
  const upper = text.trim().toUpperCase();
  return upper === 'ON' ? 1 : upper === 'OFF' ? 0 : null;
}

/** A JSON key as a metric path segment: lowercase, letters, digits, `_` and `-` (`PM2.5` → `pm2_5`). */
function segment(key: string): string {
  const cleaned = key.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** Segments joined by dots; a name must start with a letter, so one that does not gets an `x`. */
function metricName(path: string[]): string {
  const name = path.join('.');
  return /^[a-z]/.test(name) ? name : `x${name}`;
}
