// A device's metrics on its page: name, latest value with its unit, and when it was read.
import { h } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { formatInstant, formatValue, relativeTime } from './format.js';
import type { Device } from './types.js';

export class MetricTable {
  readonly element: HTMLElement;
  private readonly cells = new Map<string, { value: HTMLElement; when: HTMLElement }>();

  constructor(
    private readonly device: Device,
    private readonly store: DeviceStore,
  ) {
    const rows = device.metrics.map((m) => {
      const value = h('td', { class: 'metric-value' });
      const when = h('td', {});
      this.cells.set(m.name, { value, when });
      return h('tr', { 'data-metric': m.name }, h('th', { scope: 'row' }, m.name), h('td', {}, m.unit ?? '–'), value, when);
    });
    this.element = h(
      'section',
      { class: 'metrics', 'aria-labelledby': 'metrics-title' },
      h('h3', { id: 'metrics-title' }, 'Metrics'),
      device.metrics.length === 0
        ? h('p', { class: 'hint' }, 'This device has reported no metrics yet.')
        : h(
            'div',
            { class: 'table-scroll' },
            h(
              'table',
              { class: 'metric-table' },
              h('thead', {}, h('tr', {}, ...['Metric', 'Unit', 'Latest', 'Read'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, ...rows),
            ),
          ),
    );
  }

  start(): void {
    this.refresh();
  }

  stop(): void {}

  refresh(): void {
    const device = this.store.get(this.device.id) ?? this.device;
    for (const m of this.device.metrics) {
      const cells = this.cells.get(m.name)!;
      const latest = device.latest?.[m.name];
      setText(cells.value, latest ? formatValue(latest.value, m.unit) : '–');
      setText(cells.when, latest ? relativeTime(latest.ts) : 'never');
      cells.when.title = latest ? formatInstant(latest.ts) : '';
    }
  }
}

function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
