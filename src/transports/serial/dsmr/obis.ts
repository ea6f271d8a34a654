// What a P1 telegram means: OBIS codes mapped to the hub's metric names and units, the meter's
// identity and the timestamps. Electricity values carry the telegram's own time (0-0:1.0.0);
// each M-Bus value (gas, water, heat) carries the time its sub-meter was last read, which lags by
// minutes to an hour. Telegrams without a time (DSMR 2.2) are stamped with the receive time.
// docs/protocol.md ("DSMR P1") lists the same table for users.
import type { ReadingInput } from '../../../core/ingest.js';
import type { MetricKind, MetricSpec } from '../../../core/model.js';
import { parseDsmrTimestamp, parseQuantity, type CosemObject, type ParsedTelegram } from './parser.js';

interface MetricDef {
  metric: string;
  unit: string;
  /** Meter totals (energy per tariff, gas, water, heat) are counters; the rest gauges. */
  kind?: MetricKind;
}

/** Electricity objects, all stamped with the telegram time. */
export const ELECTRICITY_OBIS: Record<string, MetricDef> = {
  '1-0:1.8.1': { metric: 'energy_delivered_tariff1', unit: 'kWh', kind: 'counter' },
  '1-0:1.8.2': { metric: 'energy_delivered_tariff2', unit: 'kWh', kind: 'counter' },
  '1-0:2.8.1': { metric: 'energy_returned_tariff1', unit: 'kWh', kind: 'counter' },
  '1-0:2.8.2': { metric: 'energy_returned_tariff2', unit: 'kWh', kind: 'counter' },
  '1-0:1.8.0': { metric: 'energy_delivered_total', unit: 'kWh', kind: 'counter' },
  '1-0:2.8.0': { metric: 'energy_returned_total', unit: 'kWh', kind: 'counter' },
  '1-0:1.7.0': { metric: 'power_delivered', unit: 'kW' },
  '1-0:2.7.0': { metric: 'power_returned', unit: 'kW' },
  '1-0:32.7.0': { metric: 'voltage_l1', unit: 'V' },
  '1-0:52.7.0': { metric: 'voltage_l2', unit: 'V' },
  '1-0:72.7.0': { metric: 'voltage_l3', unit: 'V' },
  '1-0:31.7.0': { metric: 'current_l1', unit: 'A' },
  '1-0:51.7.0': { metric: 'current_l2', unit: 'A' },
  '1-0:71.7.0': { metric: 'current_l3', unit: 'A' },
  '1-0:21.7.0': { metric: 'power_delivered_l1', unit: 'kW' },
  '1-0:41.7.0': { metric: 'power_delivered_l2', unit: 'kW' },
  '1-0:61.7.0': { metric: 'power_delivered_l3', unit: 'kW' },
  '1-0:22.7.0': { metric: 'power_returned_l1', unit: 'kW' },
  '1-0:42.7.0': { metric: 'power_returned_l2', unit: 'kW' },
  '1-0:62.7.0': { metric: 'power_returned_l3', unit: 'kW' },
};

export const TARIFF_OBIS = '0-0:96.14.0';
export const TARIFF_METRIC: MetricDef = { metric: 'tariff', unit: '' };

/** M-Bus device types (0-n:24.1.0) the hub stores, with the unit their reading must have. */
export const MBUS_TYPES: Record<number, MetricDef> = {
  3: { metric: 'gas', unit: 'm3', kind: 'counter' },
  4: { metric: 'heat', unit: 'GJ', kind: 'counter' },
  7: { metric: 'water', unit: 'm3', kind: 'counter' },
};

/** Some meters (Sagemcom T210-D-R and others) report W and Wh; the hub stores kW and kWh. */
const CONVERSIONS: Record<string, { to: string; factor: number }> = {
  Wh: { to: 'kWh', factor: 1e-3 },
  W: { to: 'kW', factor: 1e-3 },
};

export interface MeterReadout {
  /** 0-0:96.1.1 (or 0-0:96.1.0, or Luxembourg's 0-0:42.0.0) as sent, usually hex-encoded ASCII. */
  equipmentId: string | null;
  /** 1-3:0.2.8, e.g. "50"; null for DSMR 2.2/3.0 and Belgian meters (they send 0-0:96.1.4). */
  p1Version: string | null;
  /** The telegram's 0-0:1.0.0 in Unix ms, or null when it has none. */
  timestamp: number | null;
  readings: Array<Required<Omit<ReadingInput, 'group'>>>;
  metrics: MetricSpec[];
  /** Objects recognised but not stored, with the reason. */
  skipped: Array<{ obis: string; reason: string }>;
}

export function readoutOf(telegram: ParsedTelegram, receivedAt: number): MeterReadout {
  const objects = telegram.objects;
  const stamp = first(objects.get('0-0:1.0.0'));
  const timestamp = stamp === undefined ? null : parseDsmrTimestamp(stamp);
  const out: MeterReadout = {
    equipmentId: first(objects.get('0-0:96.1.1')) || first(objects.get('0-0:96.1.0')) || first(objects.get('0-0:42.0.0')) || null,
    p1Version: first(objects.get('1-3:0.2.8')) ?? null,
    timestamp,
    readings: [],
    metrics: [],
    skipped: [],
  };
  const add = (obis: string, def: MetricDef, raw: string | undefined, ts: number) => {
    const quantity = raw === undefined ? null : parseQuantity(raw);
    if (!quantity) return void out.skipped.push({ obis, reason: `not a number: ${JSON.stringify(raw)}` });
    const converted = convert(quantity.value, quantity.unit, def.unit);
    if (converted === null) return void out.skipped.push({ obis, reason: `unit ${quantity.unit} where ${def.unit} was expected` });
    out.readings.push({ metric: def.metric, value: converted, ts });
    out.metrics.push({ name: def.metric, ...(def.unit && { unit: def.unit }), ...(def.kind && { kind: def.kind }) });
  };

  const electricityTs = timestamp ?? receivedAt;
  for (const [obis, def] of Object.entries(ELECTRICITY_OBIS)) {
    const object = objects.get(obis);
    if (object) add(obis, def, object.values[object.values.length - 1], electricityTs);
  }
  const tariff = objects.get(TARIFF_OBIS);
  if (tariff) add(TARIFF_OBIS, TARIFF_METRIC, first(tariff), electricityTs);
  addMbusReadings(objects, receivedAt, add, out.skipped);
  return out;
}

function addMbusReadings(
  objects: Map<string, CosemObject>,
  receivedAt: number,
  add: (obis: string, def: MetricDef, raw: string | undefined, ts: number) => void,
  skipped: MeterReadout['skipped'],
): void {
  const seen = new Map<string, number>();
  for (let channel = 1; channel <= 4; channel++) {
    const type = Number(first(objects.get(`0-${channel}:24.1.0`)));
    const def = MBUS_TYPES[type];
    const reading = mbusReading(objects, channel);
    if (!def || !reading) continue;
    if (reading.unit === null) {
      // Unused channels report 0 without a unit and an impossible time; that is no reading.
      skipped.push({ obis: reading.obis, reason: 'no unit (channel not in use)' });
      continue;
    }
    // A second sub-meter of the same kind gets the channel in its name: gas, then gas_ch4.
    const count = seen.get(def.metric) ?? 0;
    seen.set(def.metric, count + 1);
    const metric = count === 0 ? def.metric : `${def.metric}_ch${channel}`;
    const ts = reading.timestamp === null ? null : parseDsmrTimestamp(reading.timestamp);
    if (reading.timestamp !== null && ts === null && /[WS]$/.test(reading.timestamp)) {
      skipped.push({ obis: reading.obis, reason: `impossible time ${reading.timestamp}` });
      continue;
    }
    add(reading.obis, { ...def, metric }, `${reading.value}*${reading.unit}`, ts ?? receivedAt);
  }
}

/** DSMR 4+: 0-n:24.2.1 (NL) or 0-n:24.2.3 (BE) = (time)(value*unit). DSMR 2.2/3.0: 0-n:24.3.0. */
function mbusReading(
  objects: Map<string, CosemObject>,
  channel: number,
): { obis: string; timestamp: string | null; value: string; unit: string | null } | null {
  for (const code of ['24.2.1', '24.2.3']) {
    const object = objects.get(`0-${channel}:${code}`);
    if (object && object.values.length >= 2) {
      const quantity = object.values[object.values.length - 1];
      const star = quantity.indexOf('*');
      return {
        obis: object.obis,
        timestamp: object.values[0],
        value: star < 0 ? quantity : quantity.slice(0, star),
        unit: star < 0 ? null : quantity.slice(star + 1),
      };
    }
  }
  // (time)(status)(period)(count)(obis)(unit) then the value on the next line.
  const legacy = objects.get(`0-${channel}:24.3.0`);
  if (legacy && legacy.values.length >= 7) {
    return {
      obis: legacy.obis,
      timestamp: legacy.values[0],
      value: legacy.values[legacy.values.length - 1],
      unit: legacy.values[5] || null,
    };
  }
  return null;
}

function convert(value: number, unit: string | null, wanted: string): number | null {
  if (unit === wanted || (unit === null && wanted === '')) return value;
  if (unit === null) return value; // some meters omit the unit on a known object; the code fixes it
  const conversion = CONVERSIONS[unit];
  if (conversion && conversion.to === wanted) return Math.round(value * conversion.factor * 1e6) / 1e6;
  return null;
}

function first(object: CosemObject | undefined): string | undefined {
  return object?.values[0];
}
