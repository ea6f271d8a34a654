// What a Tasmota session remembers between messages, bounded: which units it has announced (so
// meta goes out when a metric or its unit is new, not with every SENSOR), which relays it has
// seen (each becomes an actuator the first time it reports), and the last relay report of each
// stat topic, because Tasmota reports every switch twice, on stat/RESULT and on stat/POWER.
import type { ActuatorSpec, MetricSpec } from '../../../../core/model.js';
import type { PowerReport } from './state.js';

/** More distinct metrics than any Tasmota reports; past this no more units are announced. */
const MAX_METRICS = 1000;

export type StatTopic = 'RESULT' | 'POWER';

export class Known {
  private readonly units = new Map<string, string>();
  private readonly relays = new Set<string>();
  private readonly lastStat = new Map<string, { value: number; from: StatTopic; paired: boolean }>();

  /** The metrics whose unit was not announced yet (or changed, as when TempUnit switches to F). */
  newUnits(metrics: MetricSpec[]): MetricSpec[] {
    const fresh: MetricSpec[] = [];
    for (const { name, unit } of metrics) {
      if (unit === undefined || this.units.get(name) === unit) continue;
      if (!this.units.has(name) && this.units.size >= MAX_METRICS) continue;
      this.units.set(name, unit);
      fresh.push({ name, unit });
    }
    return fresh;
  }

  /** Every relay seen so far when this report names a new one, else null (the list stands). */
  newRelays(powers: PowerReport[]): ActuatorSpec[] | null {
    const before = this.relays.size;
    for (const { actuator } of powers) this.relays.add(actuator);
    if (this.relays.size === before) return null;
    return [...this.relays].sort(byRelayNumber).map((name) => ({ name, type: 'relay' }));
  }

  /**
   * Whether this stat report repeats the one just seen on the other stat topic (RESULT then
   * POWER for one switch): the state is read once, while both still answer commands.
   */
  repeatsOtherStat(report: PowerReport, from: StatTopic): boolean {
    const last = this.lastStat.get(report.actuator);
    const repeat = last !== undefined && !last.paired && last.from !== from && last.value === report.value;
    this.lastStat.set(report.actuator, { value: report.value, from, paired: repeat });
    return repeat;
  }
}

/** power, power1, power2, …, power10 in the device's order. */
function byRelayNumber(a: string, b: string): number {
  return Number(a.slice(5) || 0) - Number(b.slice(5) || 0);
}
