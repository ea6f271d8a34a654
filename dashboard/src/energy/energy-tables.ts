// The energy view's numbers as tables: the period's total per series (with its cost when the hub
// has a price for it, and the net cost of all priced series), and every bar's value, which is
// what the bar chart shows to anyone who cannot see it. Cells carry the exact value in data-value.
import { h } from '../dom.js';
import { type ChartGroup, type Series, unitText } from './meters.js';

export interface Money {
  currency: string;
  prices: Record<string, number>;
}

export class EnergyTables {
  private readonly currencyFormat: Intl.NumberFormat;
  private readonly priced: boolean;

  constructor(
    private readonly money: Money,
    private readonly amountFormat: Intl.NumberFormat,
    private readonly barName: string,
  ) {
    this.currencyFormat = new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency });
    this.priced = Object.keys(money.prices).length > 0;
  }

  /** What an amount costs: returned energy is credited (negative); null without a price. */
  cost(series: Series, amount: number): number | null {
    const price = this.money.prices[series.metric];
    if (price === undefined) return null;
    return (series.returned ? -1 : 1) * amount * price;
  }

  /** Money in the currency's own decimals; a credit that rounds to nothing reads 0.00, not -0.00. */
  formatMoney(value: number): string {
    const unit = 10 ** (this.currencyFormat.resolvedOptions().maximumFractionDigits ?? 2);
    return this.currencyFormat.format(Math.abs(value) * unit < 0.5 ? 0 : value);
  }

  describe(series: Series, amount: number): string {
    const text = `${this.amountFormat.format(amount)} ${unitText(series.unit)}`;
    const cost = this.cost(series, amount);
    return cost === null ? text : `${text} (${this.formatMoney(cost)})`;
  }

  totals(period: string, series: Series[], valuesOf: (s: Series) => Array<number | null>): HTMLElement {
    let net = 0;
    let anyCost = false;
    const rows = series.map((s) => {
      const known = valuesOf(s).filter((v): v is number => v !== null);
      const total = known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
      const cost = total === null ? null : this.cost(s, total);
      if (cost !== null) {
        net += cost;
        anyCost = true;
      }
      return h(
        'tr',
        { 'data-metric': s.metric },
        h('th', { scope: 'row' }, h('span', { class: `energy-swatch energy-c${s.colour}`, 'aria-hidden': 'true' }), s.label),
        amountCell(total, s.unit, this.amountFormat),
        this.priced ? moneyCell(cost, (v) => this.formatMoney(v)) : null,
      );
    });
    const foot = this.priced
      ? h(
          'tfoot',
          {},
          h(
            'tr',
            { 'data-metric': 'net' },
            h('th', { scope: 'row', colspan: 2 }, 'Net cost'),
            moneyCell(anyCost ? net : null, (v) => this.formatMoney(v)),
          ),
        )
      : null;
    return h(
      'table',
      { class: 'energy-totals' },
      h('caption', {}, `Totals, ${period}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Series'),
          h('th', { scope: 'col' }, 'Amount'),
          this.priced ? h('th', { scope: 'col' }, `Cost (${this.money.currency})`) : null,
        ),
      ),
      h('tbody', {}, ...rows),
      foot,
    );
  }

  values(group: ChartGroup, labels: string[], bounds: number[], valuesOf: (s: Series) => Array<number | null>): HTMLElement {
    const columns = group.series.map(valuesOf);
    const rows = labels.map((label, i) =>
      h(
        'tr',
        { 'data-ts': bounds[i] },
        h('th', { scope: 'row' }, label),
        ...group.series.map((s, k) => amountCell(columns[k][i], '', this.amountFormat, s.metric)),
      ),
    );
    const caption = `${group.title} per ${this.barName} (${unitText(group.unit)})`;
    return h(
      'details',
      { class: 'energy-values' },
      h('summary', {}, `Table of values per ${this.barName}`),
      h(
        'div',
        { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': caption },
        h(
          'table',
          { 'data-group': group.id },
          h('caption', {}, caption),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, this.barName[0].toUpperCase() + this.barName.slice(1)),
              ...group.series.map((s) => h('th', { scope: 'col' }, s.label)),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
    );
  }
}

function amountCell(value: number | null, unit: string, format: Intl.NumberFormat, metric?: string): HTMLElement {
  const text = value === null ? '–' : unit ? `${format.format(value)} ${unitText(unit)}` : format.format(value);
  return h('td', { class: 'amount', 'data-value': value ?? '', ...(metric && { 'data-metric': metric }) }, text);
}

function moneyCell(value: number | null, format: (value: number) => string): HTMLElement {
  return h('td', { class: 'cost', 'data-value': value ?? '' }, value === null ? '–' : format(value));
}
