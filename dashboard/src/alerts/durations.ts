// Durations as people enter and read them: a number of seconds, minutes or hours, kept by the
// hub in milliseconds. A duration shown for editing takes the largest unit it fills exactly.
import { h } from '../dom.js';
import { formatNumber } from '../format.js';

export const DURATION_UNITS = [
  { unit: 'seconds', ms: 1_000, short: 's' },
  { unit: 'minutes', ms: 60_000, short: 'min' },
  { unit: 'hours', ms: 3_600_000, short: 'h' },
] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number]['unit'];

export function toMs(amount: number, unit: DurationUnit): number {
  return amount * DURATION_UNITS.find((u) => u.unit === unit)!.ms;
}

/** The amount and unit to show `ms` in, for editing. */
export function fromMs(ms: number): { amount: number; unit: DurationUnit } {
  for (const u of [...DURATION_UNITS].reverse()) if (ms >= u.ms && ms % u.ms === 0) return { amount: ms / u.ms, unit: u.unit };
  return { amount: ms / 1_000, unit: 'seconds' };
}

/** "90 s", "5 min", "2 h" — the largest unit the duration fills exactly. */
export function durationText(ms: number): string {
  const { amount, unit } = fromMs(ms);
  return `${formatNumber(amount)} ${DURATION_UNITS.find((u) => u.unit === unit)!.short}`;
}

/** A number field with its unit beside it, labelled as one group. */
export class DurationField {
  readonly element: HTMLFieldSetElement;
  readonly amount: HTMLInputElement;
  readonly unit: HTMLSelectElement;

  constructor(name: string, legend: string, hint: string) {
    // No min: a zero or negative duration is sent as entered and the hub says why it refuses it.
    this.amount = h('input', { type: 'number', name: `${name}-amount`, step: 'any', required: true, 'aria-label': `${legend}: amount` });
    this.unit = h(
      'select',
      { name: `${name}-unit`, 'aria-label': `${legend}: unit` },
      ...DURATION_UNITS.map((u) => h('option', { value: u.unit }, u.unit)),
    );
    this.element = h(
      'fieldset',
      { class: 'duration', 'data-field': name },
      h('legend', {}, legend),
      h('div', { class: 'field-inline' }, this.amount, this.unit),
      h('p', { class: 'hint' }, hint),
    );
  }

  get ms(): number {
    return toMs(Number(this.amount.value), this.unit.value as DurationUnit);
  }

  set ms(value: number) {
    const { amount, unit } = fromMs(value);
    this.amount.value = String(amount);
    this.unit.value = unit;
  }
}
