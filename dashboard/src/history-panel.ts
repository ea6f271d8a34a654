// History of one device: a range picker (15 min, 1 h, 24 h, 7 d, custom), drag-to-zoom, and one
// chart per metric. Each chart asks for an aggregation fitted to its width (series.ts fitEvery),
// so a year costs about as many points as an hour. A range that ends now keeps growing with live
// points; the open newest window is filled from finer history and raw readings (see load()).
import type { Api } from './api.js';
import { h, replaceChildren } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { formatInstant, toLocalInput } from './format.js';
import { everyParam, fitEvery, JoinedSeries, silenceGapMs, type WeightedPoint } from './series.js';
import { TimeChart } from './time-chart.js';
import type { Device, Point } from './types.js';

const RANGES = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
] as const;
const CHART_HEIGHT = 200;
/** Above this window size the open window is filled from one-minute windows, not raw readings. */
const RAW_TAIL_MAX_EVERY_MS = 10 * 60_000;
const FINE_EVERY_MS = 60_000;
/** A custom range ending this close to now keeps growing with live readings. */
const CLOCK_SLACK_MS = 60_000;

interface Range {
  from: number;
  to: number;
  /** True when the range ends now and should keep up with live readings. */
  live: boolean;
}

export class HistoryPanel {
  readonly element: HTMLElement;
  private readonly charts = h('div', { class: 'history-charts' });
  private readonly status = h('p', { class: 'hint', role: 'status' });
  private readonly custom: HTMLElement;
  private readonly zoomReset = h('button', { type: 'button', hidden: true }, 'Reset zoom');
  private views: Array<{ chart: TimeChart; unsubscribe: () => void }> = [];
  private choice = '1h';
  private generation = 0;

  constructor(
    private readonly api: Api,
    private readonly store: DeviceStore,
    private readonly device: Device,
  ) {
    const fromInput = h('input', { id: 'history-from', type: 'datetime-local', value: toLocalInput(Date.now() - 86_400_000) });
    const toInput = h('input', { id: 'history-to', type: 'datetime-local', value: toLocalInput(Date.now()) });
    this.custom = h(
      'form',
      { class: 'custom-range', hidden: true },
      h('label', { for: 'history-from' }, 'From'),
      fromInput,
      h('label', { for: 'history-to' }, 'To'),
      toInput,
      h('button', { type: 'submit' }, 'Show'),
    );
    this.custom.addEventListener('submit', (e) => {
      e.preventDefault();
      const from = new Date(fromInput.value).getTime();
      const to = new Date(toInput.value).getTime();
      if (!(from < to)) {
        this.status.textContent = 'The start of a custom range must be before its end.';
        return;
      }
      this.load({ from, to, live: to >= Date.now() - CLOCK_SLACK_MS });
    });
    this.zoomReset.addEventListener('click', () => this.select(this.choice));

    const picker = h(
      'fieldset',
      { class: 'range-picker' },
      h('legend', {}, 'Range'),
      ...[...RANGES, { id: 'custom', label: 'custom' }].map((r) =>
        h(
          'label',
          { class: 'range-option' },
          h('input', {
            type: 'radio',
            name: `range-${device.id}`,
            value: r.id,
            checked: r.id === this.choice,
            onchange: () => this.select(r.id),
          }),
          r.label,
        ),
      ),
    );

    this.element = h(
      'section',
      { class: 'history', 'aria-labelledby': `history-title-${device.id}` },
      h('h3', { id: `history-title-${device.id}` }, 'History'),
      h('div', { class: 'history-controls' }, picker, this.custom, this.zoomReset),
      this.status,
      h('p', { class: 'hint' }, 'Drag across a chart to zoom in.'),
      this.charts,
    );
  }

  start(): void {
    this.select(this.choice);
  }

  stop(): void {
    this.generation++;
    this.clear();
  }

  private select(choice: string): void {
    this.choice = choice;
    this.custom.hidden = choice !== 'custom';
    if (choice === 'custom') return;
    const range = RANGES.find((r) => r.id === choice) ?? RANGES[1];
    const now = Date.now();
    this.load({ from: now - range.ms, to: now, live: true });
  }

  private clear(): void {
    for (const view of this.views) {
      view.unsubscribe();
      view.chart.destroy();
    }
    this.views = [];
    replaceChildren(this.charts);
  }

  private load(range: Range): void {
    const generation = ++this.generation;
    const startedAt = performance.now();
    this.clear();
    this.zoomReset.hidden = true;
    const width = Math.max(300, this.charts.clientWidth || this.element.clientWidth || 600);
    const everyMs = fitEvery(range.to - range.from, width, this.device.sampleIntervalMs);
    this.element.dataset.every = everyMs === null ? 'raw' : everyParam(everyMs);
    this.element.dataset.state = 'loading';
    this.status.textContent =
      `${formatInstant(range.from)} – ${range.live ? 'now' : formatInstant(range.to)}, ` +
      (everyMs === null ? 'every reading' : `average per ${everyParam(everyMs)}`);

    const loads = this.device.metrics.map((metric) => {
      const series = new JoinedSeries(everyMs);
      const chart = new TimeChart(series, {
        label: metric.name,
        unit: metric.unit,
        height: CHART_HEIGHT,
        span: () => ({ from: range.from, to: range.live ? Date.now() : range.to }),
        gapMs: Math.max(2 * (everyMs ?? 0), silenceGapMs(this.device.sampleIntervalMs)),
        onZoom: (from, to) => {
          this.load({ from, to, live: false });
          this.zoomReset.hidden = false;
        },
      });
      chart.element.dataset.metric = metric.name;
      // Listen before asking for the past: points arriving meanwhile are buffered by the series.
      const unsubscribe = range.live
        ? this.store.onPoint(this.device.id, metric.name, (ts, value) => {
            series.add(ts, value);
            chart.update();
          })
        : () => {};
      this.views.push({ chart, unsubscribe });
      this.charts.append(chart.element);
      chart.mount();
      return this.fill(series, metric.name, range, everyMs).then(() => chart.update());
    });
    Promise.all(loads).then(
      () => {
        if (generation !== this.generation) return;
        this.element.dataset.state = 'loaded';
        // How long the range took from the click to drawable data (read by the benchmark).
        this.element.dataset.loadMs = String(Math.round(performance.now() - startedAt));
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.element.dataset.state = 'error';
        this.status.textContent = `History could not be loaded: ${(err as Error).message}`;
      },
    );
  }

  /** Asks for exactly the chosen range, from range.from to range.to; later points come live. */
  private async fill(series: JoinedSeries, metric: string, range: Range, everyMs: number | null): Promise<void> {
    const id = this.device.id;
    const { from, to } = range;
    if (everyMs === null) {
      series.loadRaw(await this.api.raw(id, { metric, from, to }));
      return;
    }
    const every = everyParam(everyMs);
    if (!range.live) {
      series.loadAggregated(weighted(await this.api.aggregated(id, { metric, from, to, every })), [], to);
      return;
    }
    // Whole windows up to the open one, then the open window from finer pieces, then raw. The
    // first window may start before `from`; the hub folds only the readings from `from` into it.
    const boundary = Math.max(from, Math.floor(to / everyMs) * everyMs);
    const fine = everyMs > RAW_TAIL_MAX_EVERY_MS ? Math.max(boundary, Math.floor(to / FINE_EVERY_MS) * FINE_EVERY_MS) : boundary;
    const [whole, pieces, raw] = await Promise.all([
      boundary > from ? this.api.aggregated(id, { metric, from, to: boundary, every }) : [],
      fine > boundary ? this.api.aggregated(id, { metric, from: boundary, to: fine, every: everyParam(FINE_EVERY_MS) }) : [],
      this.api.raw(id, { metric, from: fine, to }),
    ]);
    series.loadAggregated([...weighted(whole), ...weighted(pieces)], raw as Point[], fine - 1);
  }
}

function weighted(points: Array<{ ts: number; value: number; count: number }>): WeightedPoint[] {
  return points.map((p) => ({ ts: p.ts, value: p.value, count: p.count }));
}
