// Which Home Assistant entity a hub metric or actuator becomes. Home Assistant checks the unit
// against the device class (an energy sensor in kWh, gas in m³, power in W or kW), and only
// sensors with state_class `total_increasing` and an energy, gas or water class can be picked in
// its Energy dashboard; so the class comes from the unit first and from the metric's name only
// where the unit alone is ambiguous (% is humidity or a battery; m³ is gas or water).
import type { ActuatorSpec, ActuatorType, MetricSpec } from '../../core/model.js';

export type StateClass = 'measurement' | 'total_increasing';

export interface SensorKind {
  device_class?: string;
  unit_of_measurement?: string;
  state_class: StateClass;
}

/** Unit spellings the hub may use for units Home Assistant knows under another spelling. */
const UNIT_SPELLINGS: Record<string, string> = {
  m3: 'm³',
  M3: 'm³',
  l: 'L',
  degC: '°C',
  degF: '°F',
  ug_m3: 'µg/m³',
  'ug/m3': 'µg/m³',
  'µg/m3': 'µg/m³',
};

/** Units that mean one device class whatever the metric is called; counters sum up over time. */
const CLASS_BY_UNIT: Record<string, { device_class: string; counter?: true }> = {
  Wh: { device_class: 'energy', counter: true },
  kWh: { device_class: 'energy', counter: true },
  MWh: { device_class: 'energy', counter: true },
  MJ: { device_class: 'energy', counter: true },
  GJ: { device_class: 'energy', counter: true },
  W: { device_class: 'power' },
  kW: { device_class: 'power' },
  MW: { device_class: 'power' },
  V: { device_class: 'voltage' },
  mV: { device_class: 'voltage' },
  A: { device_class: 'current' },
  mA: { device_class: 'current' },
  Hz: { device_class: 'frequency' },
  '°C': { device_class: 'temperature' },
  '°F': { device_class: 'temperature' },
  K: { device_class: 'temperature' },
  hPa: { device_class: 'pressure' },
  Pa: { device_class: 'pressure' },
  kPa: { device_class: 'pressure' },
  bar: { device_class: 'pressure' },
  mbar: { device_class: 'pressure' },
  lx: { device_class: 'illuminance' },
  VA: { device_class: 'apparent_power' },
  var: { device_class: 'reactive_power' },
};

export function haUnit(unit: string): string {
  return UNIT_SPELLINGS[unit] ?? unit;
}

export function sensorKindOf(metric: MetricSpec): SensorKind {
  const unit = metric.unit ? haUnit(metric.unit) : undefined;
  if (!unit) return { state_class: 'measurement' };
  const byUnit = CLASS_BY_UNIT[unit];
  if (byUnit)
    return {
      device_class: byUnit.device_class,
      unit_of_measurement: unit,
      state_class: byUnit.counter ? 'total_increasing' : 'measurement',
    };
  const name = metric.name.toLowerCase();
  if (unit === 'm³' || unit === 'L') {
    if (name.includes('water')) return { device_class: 'water', unit_of_measurement: unit, state_class: 'total_increasing' };
    if (name.includes('gas') && unit === 'm³') return { device_class: 'gas', unit_of_measurement: unit, state_class: 'total_increasing' };
  }
  if (unit === '%') {
    if (name.includes('humid')) return { device_class: 'humidity', unit_of_measurement: unit, state_class: 'measurement' };
    if (name.includes('batt')) return { device_class: 'battery', unit_of_measurement: unit, state_class: 'measurement' };
    if (name.includes('moist')) return { device_class: 'moisture', unit_of_measurement: unit, state_class: 'measurement' };
  }
  if (unit === 'ppm' && /co2|carbon.?dioxide/.test(name))
    return { device_class: 'carbon_dioxide', unit_of_measurement: unit, state_class: 'measurement' };
  return { unit_of_measurement: unit, state_class: 'measurement' };
}

export type ActuatorComponent = { component: 'switch' } | { component: 'number'; min: number; max: number; step: number };

const NUMBER_RANGES: Record<Exclude<ActuatorType, 'led' | 'relay'>, [number, number]> = { pwm: [0, 255], servo: [0, 180] };

/** led and relay switch on and off; pwm and servo take a whole number in their range. */
export function actuatorComponentOf(actuator: ActuatorSpec): ActuatorComponent {
  if (actuator.type === 'led' || actuator.type === 'relay') return { component: 'switch' };
  const [min, max] = NUMBER_RANGES[actuator.type];
  return { component: 'number', min, max, step: 1 };
}

/** "energy_delivered_tariff1" → "Energy delivered tariff1": the entity's name within its device. */
export function displayName(name: string): string {
  const words = name.replace(/[._-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
