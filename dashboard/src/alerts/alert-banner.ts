// The banner over every page while any alert fires: how many, the newest one's rule, device and
// values, and a link to the alerts page. It follows the alert store, which the stream keeps
// current, and is hidden (not just empty) when nothing fires.
import { h, replaceChildren } from '../dom.js';
import { formatInstant, formatNumber } from '../format.js';
import { ALERTS_HREF } from '../router.js';
import type { Alert } from '../types.js';
import type { AlertStore } from './alert-store.js';

export class AlertBanner {
  readonly element = h('section', { class: 'alert-banner', 'aria-label': 'Firing alerts', hidden: true });
  private readonly text = h('p', { role: 'status' });
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly store: AlertStore) {
    replaceChildren(this.element, this.text, h('a', { href: ALERTS_HREF }, 'See all alerts'));
  }

  start(): void {
    this.unsubscribe = this.store.onChange(() => this.update());
    this.update();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private update(): void {
    const firing = this.store.firing();
    this.element.hidden = firing.length === 0;
    this.element.dataset.count = String(firing.length);
    if (firing.length === 0) {
      this.text.textContent = '';
      return;
    }
    const newest = firing[0];
    replaceChildren(
      this.text,
      h('strong', {}, firing.length === 1 ? '1 alert firing' : `${firing.length} alerts firing`),
      ' · newest: ',
      h('span', { class: 'alert-rule' }, this.store.ruleName(newest.ruleId)),
      ' on ',
      h('span', { class: 'alert-device' }, newest.deviceId),
      `: ${valuesText(newest)} · since ${formatInstant(newest.since)}`,
    );
  }
}

/**
 * "temp = -3, read at 12:00:05": the values that keep the alert's condition true. A `ts` among
 * them is the reading's time and reads as one.
 */
export function valuesText(alert: Pick<Alert, 'values'>, withTime = true): string {
  const { ts, ...values } = alert.values;
  const entries = Object.entries(values).map(([key, value]) => `${key} = ${typeof value === 'number' ? formatNumber(value) : value}`);
  const text = entries.length ? entries.join(', ') : 'no values';
  return withTime && typeof ts === 'number' ? `${text}, read at ${formatInstant(ts)}` : text;
}
