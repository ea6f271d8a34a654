// Units of Tasmota's sensor quantities, as its documentation and energy driver give them. Tasmota
// sends values without units: the quantity's name says what it is (`Power` in W, `Total` in kWh),
// and temperature, pressure and speed follow the unit the payload names at its top level
// (`"TempUnit":"F"`, `"PressureUnit":"mmHg"`, `"SpeedUnit":"km/h"`).

export interface UnitContext {
  tempUnit?: string;
  pressureUnit?: string;
  speedUnit?: string;
}

/** Quantities of the ENERGY object (xdrv_03_energy); Factor is a ratio and has no unit. */
const ENERGY_UNITS: Readonly<Record<string, string>> = {
  total: 'kWh',
  today: 'kWh',
  yesterday: 'kWh',
  totaltariff: 'kWh',
  importactive: 'kWh',
  exportactive: 'kWh',
  exporttariff: 'kWh',
  importreactive: 'kvarh',
  exportreactive: 'kvarh',
  period: 'Wh',
  power: 'W',
  activepower: 'W',
  apparentpower: 'VA',
  reactivepower: 'var',
  voltage: 'V',
  current: 'A',
  frequency: 'Hz',
  phaseangle: '°',
};

/** Quantities any sensor may report, whatever object they sit in (INA219 Voltage, BME280 Humidity). */
const SENSOR_UNITS: Readonly<Record<string, string>> = {
  humidity: '%',
  moisture: '%',
  battery: '%',
  illuminance: 'lx',
  ambient: 'lx',
  distance: 'cm',
  co2: 'ppm',
  eco2: 'ppm',
  tvoc: 'ppb',
  pm1: 'µg/m³',
  'pm2.5': 'µg/m³',
  pm10: 'µg/m³',
  cf1: 'µg/m³',
  'cf2.5': 'µg/m³',
  cf10: 'µg/m³',
  weight: 'kg',
  voltage: 'V',
  current: 'A',
  power: 'W',
  frequency: 'Hz',
  gas: 'kΩ',
};

const TEMPERATURES: ReadonlySet<string> = new Set(['temperature', 'dewpoint']);
const PRESSURES: ReadonlySet<string> = new Set(['pressure', 'seapressure']);

/** The unit of `quantity` (a lowercase JSON key) reported by sensor `sensor` (a lowercase top-level key). */
export function unitOf(sensor: string, quantity: string, context: UnitContext): string | undefined {
  if (sensor === 'energy' && Object.hasOwn(ENERGY_UNITS, quantity)) return ENERGY_UNITS[quantity];
  if (TEMPERATURES.has(quantity)) return context.tempUnit?.toUpperCase() === 'F' ? '°F' : '°C';
  if (PRESSURES.has(quantity)) return context.pressureUnit ?? 'hPa';
  if (quantity === 'speed') return context.speedUnit;
  return Object.hasOwn(SENSOR_UNITS, quantity) ? SENSOR_UNITS[quantity] : undefined;
}
