// Tasmota's device state: `tele/<topic>/STATE` every TelePeriod (and StatusSTS in the answer to
// `Status 11`), and the relay reports `stat/<topic>/RESULT` `{"POWER":"ON"}` and
// `stat/<topic>/POWER` `ON` after every switch. A relay is `POWER` on a device with one and
// `POWER1`…`POWERn` on one with several; each becomes the actuator and metric `power`, `power1`….
import type { ReadingInput } from '../../../../core/ingest.js';
import type { MetricSpec } from '../../../../core/model.js';
import type { RefusedReading } from '../dialect.js';
import { onOff } from './sensor.js';

/** Tasmota numbers relays from 1 to 32 (POWER32 on an ESP32 with many relays). */
const POWER_KEY = /^POWER([1-9]|[12][0-9]|3[0-2])?$/;
const ACTUATOR_NAME = /^power([1-9]|[12][0-9]|3[0-2])?$/;

export interface PowerReport {
  actuator: string;
  value: 0 | 1;
}

export interface StateReadings {
  readings: ReadingInput[];
  refused: RefusedReading[];
  metrics: MetricSpec[];
  powers: PowerReport[];
}

/** The relay a POWER key names (`POWER2` → `power2`), or null for any other key. */
export function actuatorOfKey(key: string): string | null {
  return POWER_KEY.test(key) ? key.toLowerCase() : null;
}

/** The Tasmota command that switches an actuator (`power2` → `POWER2`), or null for a name that is no relay. */
export function commandOfActuator(actuator: string): string | null {
  return ACTUATOR_NAME.test(actuator) ? actuator.toUpperCase() : null;
}

/** The POWERn keys of a RESULT, STATE or StatusSTS object. */
export function readPowers(body: Record<string, unknown>): { powers: PowerReport[]; refused: RefusedReading[] } {
  const powers: PowerReport[] = [];
  const refused: RefusedReading[] = [];
  for (const [key, value] of Object.entries(body)) {
    const actuator = actuatorOfKey(key);
    if (actuator === null) continue;
    const state = typeof value === 'string' ? onOff(value) : null;
    if (state === null) refused.push({ metric: actuator, detail: `${key} must be ON or OFF, got ${JSON.stringify(value)}` });
    else powers.push({ actuator, value: state });
  }
  return { powers, refused };
}

/** `{"UptimeSec":300,"POWER":"ON","Wifi":{"RSSI":100,"Signal":-46},…}`: relays, uptime and Wi-Fi; the rest is ignored. */
export function readState(body: Record<string, unknown>): StateReadings {
  const { powers, refused } = readPowers(body);
  const readings: ReadingInput[] = powers.map(({ actuator, value }) => ({ metric: actuator, value }));
  const metrics: MetricSpec[] = powers.map(({ actuator }) => ({ name: actuator }));
  const wifi = typeof body.Wifi === 'object' && body.Wifi !== null ? (body.Wifi as Record<string, unknown>) : {};
  const measured: [string, unknown, string][] = [
    ['uptime', body.UptimeSec, 's'],
    ['wifi.rssi', wifi.RSSI, '%'],
    ['wifi.signal', wifi.Signal, 'dBm'],
  ];
  for (const [metric, value, unit] of measured) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      refused.push({ metric, detail: `value must be a number, got ${JSON.stringify(value)}` });
      continue;
    }
    readings.push({ metric, value });
    metrics.push({ name: metric, unit });
  }
  return { readings, refused, metrics, powers };
}
