// Which of a device's metrics the energy view shows and how: its counters (meter totals), grouped
// into one chart per kind of quantity. Electricity (kWh) shares a chart, delivered stacked above
// zero and returned below; gas, water and heat each get their own. A meter's overall totals
// (energy_delivered_total) are left out when it also reports per tariff: they are their sum.
import type { Device } from '../types.js';

export interface Series {
  metric: string;
  label: string;
  unit: string;
  /** Returned energy: drawn below zero, and credited when priced. */
  returned: boolean;
  /** Index into the palette (energy.css --energy-<n>). */
  colour: number;
}

export interface ChartGroup {
  id: string;
  title: string;
  unit: string;
  series: Series[];
}

const KNOWN: Record<string, { label: string; colour: number }> = {
  energy_delivered_tariff1: { label: 'Delivered, tariff 1', colour: 1 },
  energy_delivered_tariff2: { label: 'Delivered, tariff 2', colour: 2 },
  energy_returned_tariff1: { label: 'Returned, tariff 1', colour: 3 },
  energy_returned_tariff2: { label: 'Returned, tariff 2', colour: 4 },
  energy_delivered_total: { label: 'Delivered', colour: 1 },
  energy_returned_total: { label: 'Returned', colour: 3 },
  gas: { label: 'Gas', colour: 5 },
  water: { label: 'Water', colour: 6 },
  heat: { label: 'Heat', colour: 7 },
};

const UNIT_TEXT: Record<string, string> = { m3: 'm³' };

export function unitText(unit: string): string {
  return UNIT_TEXT[unit] ?? unit;
}

export function counterMetrics(device: Pick<Device, 'metrics'>): Device['metrics'] {
  return device.metrics.filter((m) => m.kind === 'counter');
}

export function chartGroups(device: Pick<Device, 'metrics'>): ChartGroup[] {
  const counters = counterMetrics(device);
  const names = new Set(counters.map((m) => m.name));
  const byTariff = (direction: string) => names.has(`energy_${direction}_tariff1`) || names.has(`energy_${direction}_tariff2`);
  const shown = counters.filter((m) => !(/^energy_(delivered|returned)_total$/.test(m.name) && byTariff(m.name.split('_')[1])));
  const groups = new Map<string, ChartGroup>();
  let spare = 8;
  for (const m of shown.sort((a, b) => order(a.name) - order(b.name))) {
    const unit = m.unit ?? '';
    const electricity = unit === 'kWh';
    const id = electricity ? 'electricity' : m.name;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { id, title: electricity ? 'Electricity' : (KNOWN[m.name]?.label ?? m.name), unit, series: [] }));
    const known = KNOWN[m.name];
    group.series.push({
      metric: m.name,
      label: known?.label ?? m.name,
      unit,
      returned: /returned/.test(m.name),
      colour: known?.colour ?? spare++,
    });
  }
  return [...groups.values()];
}

/** Electricity first (delivered before returned, tariff 1 before 2), then the rest by name. */
function order(name: string): number {
  const known = Object.keys(KNOWN).indexOf(name);
  return known >= 0 ? known : 100;
}
