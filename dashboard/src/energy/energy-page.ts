// A meter's energy page (`#/devices/<id>/energy[/<period>]`): bars per hour of a day, per day of a
// month or per month of a year, for each counter the device reports (electricity delivered and
// returned per tariff, gas), the period's totals, and their cost when the hub has prices. The
// address carries the period, so a reload or a shared link shows the same bars.
import './energy.css';
import type { Api } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { deviceHref, energyHref } from '../router.js';
import { BarChart } from './bar-chart.js';
import { increases, perBar, prices as loadPrices, type Prices } from './energy-api.js';
import { type ChartGroup, chartGroups, type Series, unitText } from './meters.js';
import {
  barLabels,
  type Period,
  PERIOD_UNITS,
  type PeriodUnit,
  parsePeriod,
  periodAt,
  periodKey,
  periodTitle,
  shift,
  timeZone,
  windowsOf,
  withUnit,
} from './periods.js';
import { EnergyTables, type Money } from './energy-tables.js';

const UNIT_NAMES: Record<PeriodUnit, { label: string; bar: string }> = {
  day: { label: 'Day', bar: 'hour' },
  month: { label: 'Month', bar: 'day' },
  year: { label: 'Year', bar: 'month' },
};

const REFRESH_MS = 60_000;
const amountFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const axisFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export class EnergyPage {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'energy-body' });
  private readonly status = h('p', { class: 'hint', role: 'status' }, 'Loading…');
  private readonly heading = h('h3', { id: 'energy-period', class: 'energy-period' });
  private readonly goto = h('input', { id: 'energy-goto', type: 'date', required: true });
  private readonly gotoLabel = h('label', { for: 'energy-goto' }, 'Go to day');
  private readonly previousText = h('span', {}, 'Previous day');
  private readonly nextText = h('span', {}, 'Next day');
  private readonly previous = h(
    'button',
    { type: 'button', class: 'energy-step' },
    h('span', { 'aria-hidden': 'true' }, '‹ '),
    this.previousText,
  );
  private readonly next = h('button', { type: 'button', class: 'energy-step' }, this.nextText, h('span', { 'aria-hidden': 'true' }, ' ›'));
  private readonly radios = new Map<PeriodUnit, HTMLInputElement>();
  private readonly charts: BarChart[] = [];
  private period: Period;
  private groups: ChartGroup[] = [];
  private money: Prices = { currency: 'EUR', prices: {} };
  private generation = 0;
  private refreshTimer: number | null = null;

  constructor(
    private readonly id: string,
    period: string | null,
    private readonly api: Api,
  ) {
    this.period = (period && parsePeriod(period)) || periodAt('day', Date.now());
    this.element = h(
      'section',
      { class: 'energy card', 'aria-labelledby': 'energy-title', 'data-device-id': id, 'data-state': 'loading' },
      h('nav', { 'aria-label': 'Breadcrumb' }, h('a', { href: deviceHref(id), class: 'back' }, `← ${id}`)),
      h('h2', { id: 'energy-title', tabindex: -1 }, `Energy · ${id}`),
      this.controls(),
      this.heading,
      this.status,
      this.body,
    );
  }

  start(): void {
    (this.element.querySelector('#energy-title') as HTMLElement).focus();
    const generation = ++this.generation;
    Promise.all([this.api.device(this.id), loadPrices(this.api)]).then(
      ([{ device }, money]) => {
        if (generation !== this.generation) return;
        this.money = money;
        this.groups = chartGroups(device);
        const title = this.element.querySelector('#energy-title')!;
        title.textContent = `Energy · ${device.name}`;
        (this.element.querySelector('a.back') as HTMLElement).textContent = `← ${device.name}`;
        document.title = `Energy · ${device.name} · telemetry-hub`;
        this.show(this.period);
      },
      (err: Error) => this.fail(`The device could not be loaded: ${err.message}`),
    );
  }

  stop(): void {
    this.generation++;
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    for (const chart of this.charts) chart.stop();
  }

  private controls(): HTMLElement {
    const picker = h('fieldset', { class: 'range-picker' }, h('legend', {}, 'Period'));
    for (const unit of PERIOD_UNITS) {
      const radio = h('input', { type: 'radio', name: 'energy-unit', value: unit, onchange: () => this.show(withUnit(this.period, unit)) });
      this.radios.set(unit, radio);
      picker.append(h('label', { class: 'range-option' }, radio, UNIT_NAMES[unit].label));
    }
    this.previous.addEventListener('click', () => this.show(shift(this.period, -1)));
    this.next.addEventListener('click', () => this.show(shift(this.period, 1)));
    const form = h('form', { class: 'energy-goto' }, this.gotoLabel, this.goto, h('button', { type: 'submit' }, 'Show'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = parsePeriod(this.period.unit === 'year' ? this.goto.value.trim() : this.goto.value);
      if (chosen) this.show(withUnit(chosen, this.period.unit));
      else this.status.textContent = `Choose a ${UNIT_NAMES[this.period.unit].label.toLowerCase()} to show.`;
    });
    return h(
      'div',
      { class: 'history-controls energy-controls' },
      picker,
      h('div', { class: 'energy-steps' }, this.previous, this.next),
      form,
    );
  }

  private show(period: Period): void {
    this.period = period;
    const names = UNIT_NAMES[period.unit];
    this.radios.get(period.unit)!.checked = true;
    this.previousText.textContent = `Previous ${names.label.toLowerCase()}`;
    this.nextText.textContent = `Next ${names.label.toLowerCase()}`;
    this.gotoLabel.textContent = `Go to ${names.label.toLowerCase()}`;
    this.goto.type = period.unit === 'day' ? 'date' : period.unit === 'month' ? 'month' : 'number';
    for (const [name, value] of [
      ['min', '2000'],
      ['max', '9999'],
    ])
      if (period.unit === 'year') this.goto.setAttribute(name, value);
      else this.goto.removeAttribute(name);
    this.goto.value = periodKey(period);
    this.heading.textContent = periodTitle(period);
    // The address follows the period without a history entry per step: back leaves the page.
    history.replaceState(history.state, '', energyHref(this.id, periodKey(period)));
    void this.load(period);
  }

  /** `refresh`: the same period again, quietly (no "Loading…" announced), as its open end grows. */
  private async load(period: Period, refresh = false): Promise<void> {
    const generation = ++this.generation;
    const started = performance.now();
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (!refresh) {
      this.element.dataset.state = 'loading';
      this.status.textContent = 'Loading…';
    }
    this.element.dataset.period = periodKey(period);
    if (this.groups.length === 0) {
      this.status.textContent = 'This device reports no meter totals (counter metrics), so there is no energy to show.';
      this.element.dataset.state = 'loaded';
      return;
    }
    const windows = windowsOf(period);
    const series = this.groups.flatMap((g) => g.series);
    let values: Array<Array<number | null>>;
    try {
      const answers = await Promise.all(series.map((s) => increases(this.api, this.id, s.metric, windows)));
      values = answers.map((points) => perBar(points, windows.bounds));
    } catch (err) {
      if (generation === this.generation) this.fail(`The readings could not be loaded: ${(err as Error).message}`);
      return;
    }
    if (generation !== this.generation) return;
    this.render(period, windows.bounds, series, values);
    const anything = values.some((v) => v.some((x) => x !== null));
    this.status.textContent = anything
      ? `Per ${UNIT_NAMES[period.unit].bar}, in ${timeZone()}.`
      : `No meter readings in this period (times in ${timeZone()}).`;
    this.element.dataset.state = 'loaded';
    this.element.dataset.loadMs = String(Math.round(performance.now() - started));
    const now = Date.now();
    if (windows.bounds[0] <= now && now < windows.bounds[windows.bounds.length - 1]) this.refreshLater(period);
  }

  /**
   * A period that holds now keeps growing: it is read again a minute on, unless the reader is
   * inside the tables then (redrawing them would take the focus away; the next minute will do).
   */
  private refreshLater(period: Period): void {
    this.refreshTimer = window.setTimeout(() => {
      if (this.body.contains(document.activeElement)) this.refreshLater(period);
      else void this.load(period, true);
    }, REFRESH_MS);
  }

  private render(period: Period, bounds: number[], series: Series[], values: Array<Array<number | null>>): void {
    for (const chart of this.charts.splice(0)) chart.stop();
    const open = new Set([...this.body.querySelectorAll<HTMLElement>('.energy-group:has(details[open])')].map((g) => g.dataset.group));
    const labels = barLabels(period, bounds);
    const money: Money = { currency: this.money.currency, prices: this.money.prices };
    const tables = new EnergyTables(money, amountFormat, UNIT_NAMES[period.unit].bar);
    const valuesOf = (s: Series) => values[series.indexOf(s)];
    const sections = this.groups.map((group) => {
      const title = `${group.title} per ${UNIT_NAMES[period.unit].bar}, ${periodTitle(period)}`;
      const chart = new BarChart(`${title}, in ${unitText(group.unit)}: bar chart; the table of values below lists every bar`, axisFormat);
      this.charts.push(chart);
      const section = h(
        'section',
        { class: 'energy-group', 'data-group': group.id, 'aria-labelledby': `energy-group-${group.id}` },
        h('h4', { id: `energy-group-${group.id}` }, `${group.title} (${unitText(group.unit)})`),
        legend(group.series),
        chart.element,
        tables.values(group, labels.long, bounds, valuesOf),
      );
      if (open.has(group.id)) section.querySelector('details')!.open = true;
      return { section, chart, group };
    });
    replaceChildren(this.body, tables.totals(periodTitle(period), series, valuesOf), ...sections.map((s) => s.section));
    for (const { chart, group } of sections) {
      chart.start();
      chart.show({
        short: labels.short,
        long: labels.long,
        series: group.series,
        values: group.series.map(valuesOf),
        describe: (s, v) => tables.describe(s, v),
      });
    }
  }

  private fail(message: string): void {
    this.status.textContent = '';
    replaceChildren(this.body, h('p', { class: 'error', role: 'alert' }, message));
    this.element.dataset.state = 'error';
  }
}

function legend(series: Series[]): HTMLElement {
  return h(
    'ul',
    { class: 'energy-legend', 'aria-label': 'Legend' },
    ...series.map((s) =>
      h(
        'li',
        {},
        h('span', { class: `energy-swatch energy-c${s.colour}`, 'aria-hidden': 'true' }),
        s.returned ? `${s.label} (below zero)` : s.label,
      ),
    ),
  );
}
