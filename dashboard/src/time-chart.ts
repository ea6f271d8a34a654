// One uPlot chart over a JoinedSeries. Charts never redraw on their own: they ask the shared
// scheduler, which redraws every visible chart whose data changed once per animation frame, so
// fifty lines updating ten times a second cost at most one redraw each per frame.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { readout, TIME_INCRS, timeTickLabels, timeTickSpace, valueRange, valueSplits, valueTickLabels } from './chart-axes.js';
import { h } from './dom.js';
import { formatValue } from './format.js';
import type { JoinedSeries } from './series.js';
import { cssVar, onThemeChange } from './theme.js';

export interface ChartOptions {
  label: string;
  unit?: string;
  height: number;
  /** Called with a range the user dragged across; without it the chart does not zoom. */
  onZoom?: (from: number, to: number) => void;
  /** The time span to show even where there is no data yet; the data's own span otherwise. */
  span?: () => { from: number; to: number };
  /** Neighbouring points further apart than this are not joined by a line (the device was silent). */
  gapMs?: number;
}

/** Frame figures the benchmark reads from the page (window.__dashboardStats). */
export interface RedrawStats {
  frames: number;
  chartsDrawn: number;
  drawMs: number[];
}

/**
 * Drawing time allowed per animation frame. Drawing everything in one frame costs the least
 * overall (one paint), so the budget is about a whole frame: 50 charts fit in it, and only far
 * more spill over into the next frames instead of freezing the page.
 */
const FRAME_BUDGET_MS = 16;

class RedrawScheduler {
  private readonly dirty = new Set<TimeChart>();
  private frame: number | null = null;
  readonly stats: RedrawStats = { frames: 0, chartsDrawn: 0, drawMs: [] };

  request(chart: TimeChart): void {
    this.dirty.add(chart);
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = null;
    const started = performance.now();
    // Charts left over when the budget is spent are drawn in the next frame.
    for (const chart of this.dirty) {
      if (performance.now() - started > FRAME_BUDGET_MS) break;
      chart.draw();
      this.dirty.delete(chart);
      this.stats.chartsDrawn++;
    }
    if (this.dirty.size > 0) this.frame = requestAnimationFrame(() => this.flush());
    this.stats.frames++;
    // A bounded record: the benchmark reads the recent past only.
    if (this.stats.drawMs.length >= 5_000) this.stats.drawMs.splice(0, 1_000);
    this.stats.drawMs.push(performance.now() - started);
  }
}

const scheduler = new RedrawScheduler();
const chartsByElement = new WeakMap<Element, TimeChart>();
// Read-only views for the browser tests and the benchmark: frame figures and a chart's points.
Object.assign(window, {
  __dashboardStats: scheduler.stats,
  __dashboardChartPoints: (el: Element) => chartsByElement.get(el)?.points() ?? null,
});

export class TimeChart {
  readonly element: HTMLElement;
  private readonly canvasHost: HTMLElement;
  private readonly readout = h('p', { class: 'chart-readout' }, '\u00a0');
  private plot: uPlot | null = null;
  private drawnVersion = -1;
  private resizeObserver: ResizeObserver | null = null;
  private visibility: IntersectionObserver | null = null;
  private visible = true;
  private unsubscribeTheme: (() => void) | null = null;

  constructor(
    private series: JoinedSeries,
    private readonly options: ChartOptions,
  ) {
    this.canvasHost = h('div', { class: 'chart-canvas', role: 'img', 'aria-label': `${options.label}: no data yet` });
    this.element = h(
      'figure',
      { class: 'chart', 'data-points': '0' },
      h('figcaption', {}, options.label, options.unit ? ` (${options.unit})` : ''),
      this.readout,
      this.canvasHost,
    );
    chartsByElement.set(this.element, this);
  }

  /** A copy of the points shown: times and values. */
  points(): { xs: number[]; ys: number[] } {
    return { xs: [...this.series.xs], ys: [...this.series.ys] };
  }

  /** Creates the canvas; call once the element is in the document so it has a width. */
  mount(): void {
    this.build();
    this.resizeObserver = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.options.height }));
    this.resizeObserver.observe(this.element);
    this.visibility = new IntersectionObserver(
      (entries) => {
        this.visible = entries[entries.length - 1].isIntersecting;
        this.update();
      },
      { rootMargin: '200px' },
    );
    this.visibility.observe(this.element);
    this.unsubscribeTheme = onThemeChange(() => this.build());
  }

  /** Swaps in another series (a new range), keeping the canvas. */
  show(series: JoinedSeries): void {
    this.series = series;
    this.drawnVersion = -1;
    this.update();
  }

  update(): void {
    // Charts scrolled out of view wait; they catch up in one redraw when they come back.
    if (this.visible && this.series.version !== this.drawnVersion) scheduler.request(this);
  }

  draw(): void {
    if (!this.plot || this.series.version === this.drawnVersion) return;
    this.drawnVersion = this.series.version;
    // batch() draws now instead of in a microtask, so the frame figures include the drawing.
    const plot = this.plot;
    plot.batch(() => plot.setData(withGaps(this.series.xs, this.series.ys, this.options.gapMs)));
    const n = this.series.xs.length;
    this.element.dataset.points = String(n);
    if (n > 0) {
      this.element.dataset.lastTs = String(this.series.xs[n - 1]);
      this.canvasHost.setAttribute(
        'aria-label',
        `${this.options.label}: ${n} points, latest ${formatValue(this.series.ys[n - 1], this.options.unit)}`,
      );
    }
  }

  destroy(): void {
    this.resizeObserver?.disconnect();
    this.visibility?.disconnect();
    this.unsubscribeTheme?.();
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(120, this.element.clientWidth - 2);
  }

  private build(): void {
    this.plot?.destroy();
    const axis = {
      stroke: cssVar('--chart-axis'),
      grid: { stroke: cssVar('--chart-grid'), width: 1 },
      ticks: { stroke: cssVar('--chart-grid'), width: 1 },
    };
    const span = (u: uPlot) => (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
    const xAxis = {
      ...axis,
      space: (u: uPlot) => timeTickSpace(span(u)),
      incrs: TIME_INCRS,
      values: (u: uPlot, splits: number[]) => this.ticks('xTicks', timeTickLabels(splits, span(u))),
    };
    const yAxis = {
      ...axis,
      size: axisWidth,
      space: 12,
      splits: (u: uPlot) => valueSplits(u.scales.y.min ?? 0, u.scales.y.max ?? 1),
      values: (_u: uPlot, splits: number[]) => this.ticks('yTicks', valueTickLabels(splits)),
    };
    const zoom = this.options.onZoom;
    const hooks: uPlot.Hooks.Arrays = {
      setCursor: [(u) => this.showReadout(readout(u, this.options.unit, span(u)))],
    };
    if (zoom) hooks.setSelect = [(u) => this.zoomed(u, zoom)];
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.options.height,
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: Boolean(zoom), y: false, setScale: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => this.xRange(min, max) },
        y: { range: (_u, min, max) => valueRange(min, max) },
      },
      axes: [xAxis, yAxis],
      // Points are left to uPlot: it marks them only where they are sparse enough to see.
      series: [{}, { label: this.options.label, stroke: cssVar('--chart-line'), width: 1.5 }],
      hooks,
    };
    this.plot = new uPlot(opts, withGaps(this.series.xs, this.series.ys, this.options.gapMs), this.canvasHost);
    this.drawnVersion = -1;
    this.update();
  }

  /** Keeps the tick labels drawn on the canvas readable to tests and assistive tools. */
  private ticks(key: 'xTicks' | 'yTicks', labels: string[]): string[] {
    this.element.dataset[key] = labels.join('|');
    return labels;
  }

  private showReadout(text: string): void {
    this.readout.textContent = text || '\u00a0';
    this.element.dataset.readout = text;
  }

  private xRange(min: number | null, max: number | null): [number, number] {
    const span = this.options.span?.();
    if (span) return [Math.min(span.from, min ?? span.from), Math.max(span.to, max ?? span.to)];
    if (min === null || max === null) return [Date.now() - 60_000, Date.now()];
    return min === max ? [min - 1_000, max + 1_000] : [min, max];
  }

  private zoomed(u: uPlot, zoom: (from: number, to: number) => void): void {
    const { left, width } = u.select;
    if (width < 2) return;
    const from = Math.round(u.posToVal(left, 'x'));
    const to = Math.round(u.posToVal(left + width, 'x'));
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (to > from) zoom(from, to);
  }
}

/** The series as uPlot data, with a null between points further apart than `gapMs` to break the line. */
function withGaps(xs: number[], ys: number[], gapMs?: number): uPlot.AlignedData {
  if (gapMs === undefined) return [xs, ys];
  let gaps = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] - xs[i - 1] > gapMs) gaps++;
  if (gaps === 0) return [xs, ys];
  const gx: number[] = [];
  const gy: Array<number | null> = [];
  for (let i = 0; i < xs.length; i++) {
    if (i > 0 && xs[i] - xs[i - 1] > gapMs) {
      gx.push(xs[i - 1] + 1);
      gy.push(null);
    }
    gx.push(xs[i]);
    gy.push(ys[i]);
  }
  return [gx, gy];
}

/** Room for the longest tick label, so large values with decimals are not cut off. */
function axisWidth(_u: uPlot, values: string[] | null): number {
  const longest = values ? Math.max(0, ...values.map((v) => v.length)) : 4;
  return Math.max(40, longest * 7 + 20);
}
