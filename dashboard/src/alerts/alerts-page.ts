// The alerts page (`#/alerts`): active alerts (pending and firing) and the recently resolved, each
// with its rule, device, since when, its values, and under "History" every transition and webhook
// delivery attempt. Operators acknowledge active alerts here; viewers see no button.
import { h, replaceChildren } from '../dom.js';
import { formatInstant } from '../format.js';
import { deviceHref } from '../router.js';
import type { Alert } from '../types.js';
import { valuesText } from './alert-banner.js';
import type { AlertStore } from './alert-store.js';
import type { AlertsApi } from './alerts-api.js';
import { alertsNav } from './alerts-nav.js';

/** Resolved alerts shown below the active ones. */
const RECENT_LIMIT = 50;

export class AlertsPage {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'alerts-body' });
  private readonly status = h('p', { class: 'error', role: 'alert' });
  private readonly openHistories = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: AlertStore,
    private readonly api: AlertsApi,
    private readonly canAck: boolean,
  ) {
    this.element = h(
      'section',
      { class: 'alerts-page card', 'aria-labelledby': 'alerts-title' },
      alertsNav('alerts'),
      h('h2', { id: 'alerts-title', tabindex: -1 }, 'Alerts'),
      this.status,
      this.body,
    );
  }

  start(): void {
    this.unsubscribe = this.store.onChange(() => this.render());
    this.render();
    // Values and deliveries move on between transitions, which the stream does not announce.
    void this.store.load();
    (this.element.querySelector('#alerts-title') as HTMLElement).focus();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private render(): void {
    if (!this.store.loaded) {
      replaceChildren(this.body, h('p', { class: 'hint', role: 'status' }, 'Loading…'));
      return;
    }
    const all = this.store.list();
    const active = all.filter((a) => a.state !== 'resolved');
    const recent = all.filter((a) => a.state === 'resolved').slice(0, RECENT_LIMIT);
    replaceChildren(
      this.body,
      this.store.error ? h('p', { class: 'error' }, `Alerts could not be loaded: ${this.store.error}`) : null,
      h('h3', { id: 'active-alerts' }, `Active (${active.length})`),
      active.length ? this.table(active, 'active-alerts') : h('p', { class: 'hint' }, 'No alert is pending or firing.'),
      h('h3', { id: 'recent-alerts' }, 'Recently resolved'),
      recent.length ? this.table(recent, 'recent-alerts') : h('p', { class: 'hint' }, 'No resolved alerts yet.'),
    );
  }

  private table(alerts: Alert[], labelledBy: string): HTMLElement {
    return h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'alert-table', 'aria-labelledby': labelledBy },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['State', 'Rule', 'Device', 'Since', 'Values', 'Acknowledged', 'History'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, ...alerts.map((a) => this.row(a))),
      ),
    );
  }

  private row(alert: Alert): HTMLElement {
    return h(
      'tr',
      { 'data-alert-id': alert.id, 'data-state': alert.state },
      h('td', {}, h('span', { class: `alert-state alert-${alert.state}` }, alert.state)),
      h('td', { class: 'alert-rule' }, this.store.ruleName(alert.ruleId)),
      h('td', {}, h('a', { href: deviceHref(alert.deviceId) }, alert.deviceId)),
      h('td', {}, formatInstant(alert.since)),
      h('td', { class: 'alert-values' }, valuesText(alert)),
      h('td', { class: 'alert-ack' }, this.ackCell(alert)),
      h('td', {}, this.history(alert)),
    );
  }

  private ackCell(alert: Alert): Node | string {
    if (alert.acknowledged) return `by ${alert.acknowledged.by}, ${formatInstant(alert.acknowledged.at)}`;
    if (!this.canAck || alert.state === 'resolved') return 'no';
    const button = h(
      'button',
      { type: 'button', 'aria-label': `Acknowledge ${this.store.ruleName(alert.ruleId)} on ${alert.deviceId}` },
      'Acknowledge',
    );
    button.addEventListener('click', async () => {
      button.disabled = true;
      this.status.textContent = '';
      try {
        this.store.replace(await this.api.acknowledge(alert.id));
      } catch (err) {
        button.disabled = false;
        this.status.textContent = `The alert could not be acknowledged: ${(err as Error).message}`;
      }
    });
    return button;
  }

  private history(alert: Alert): HTMLElement {
    const details = h(
      'details',
      { class: 'alert-history', open: this.openHistories.has(alert.id) },
      h('summary', {}, `${count(alert.transitions.length, 'transition')}, ${count(alert.deliveries.length, 'webhook attempt')}`),
      h('h4', {}, 'Transitions'),
      h(
        'ol',
        { class: 'transitions' },
        ...alert.transitions.map((t) =>
          h('li', { 'data-state': t.state }, `${t.state} at ${formatInstant(t.at)} (${valuesText(t, false)})`),
        ),
      ),
      h('h4', {}, 'Webhook deliveries'),
      alert.deliveries.length
        ? h(
            'ol',
            { class: 'deliveries' },
            ...alert.deliveries.map((d) =>
              h(
                'li',
                { 'data-ok': String(d.ok), 'data-state': d.state },
                `${d.state}, attempt ${d.attempt} at ${formatInstant(d.at)}: `,
                d.ok ? `delivered (${d.status ?? 'ok'})` : `failed (${d.error ?? d.status ?? 'no answer'})`,
              ),
            ),
          )
        : h('p', { class: 'hint' }, 'None (no webhook, or nothing to announce yet).'),
    );
    details.addEventListener('toggle', () => {
      if (!details.open) {
        this.openHistories.delete(alert.id);
        return;
      }
      // A history open before the table was drawn again reopens by itself: read it only when opened.
      if (this.openHistories.has(alert.id)) return;
      this.openHistories.add(alert.id);
      this.api.alert(alert.id).then(
        (fresh) => this.store.replace(fresh),
        (err: Error) => {
          this.status.textContent = `The alert's history could not be loaded: ${err.message}`;
        },
      );
    });
    return details;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
