// Stacked bars as SVG, one bar per hour, day or month: series that count up (delivered energy,
// gas) stack above zero, returned energy below it. Drawn at the width the chart is given, so text
// keeps its size on a phone; each bar part names its period, series and amount in a tooltip. The
// picture is one image to assistive technology: the table beside it holds the same numbers.
import { h } from '../dom.js';
import type { Series } from './meters.js';

export interface BarData {
  /** Axis labels (every few are shown) and what each bar is called in its tooltip. */
  short: string[];
  long: string[];
  series: Series[];
  /** values[s][i]: series s in bar i; null when the hub holds no reading there. */
  values: Array<Array<number | null>>;
  /** Amount (and cost) as the tooltip says it. */
  describe: (series: Series, value: number) => string;
}

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 220;
const MARGIN = { top: 10, right: 8, bottom: 24, left: 52 };
const MIN_LABEL_GAP = 34;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: Node[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

export class BarChart {
  readonly element: HTMLElement;
  private data: BarData | null = null;
  private readonly onResize = () => this.draw();

  constructor(
    private readonly label: string,
    private readonly numberFormat: Intl.NumberFormat,
  ) {
    this.element = h('div', { class: 'energy-bars' });
  }

  start(): void {
    window.addEventListener('resize', this.onResize);
  }

  stop(): void {
    window.removeEventListener('resize', this.onResize);
  }

  show(data: BarData): void {
    this.data = data;
    this.draw();
  }

  private draw(): void {
    const data = this.data;
    if (!data) return;
    const width = Math.max(280, Math.round(this.element.clientWidth || 640));
    const n = data.short.length;
    const { high, low } = extent(data);
    const ticks = niceTicks(low, high);
    const top = ticks[ticks.length - 1];
    const bottom = ticks[0];
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const y = (v: number) => MARGIN.top + ((top - v) / (top - bottom)) * plotH;
    const band = plotW / n;
    const barW = Math.max(1, band * 0.72);

    const grid = ticks.map((t) =>
      svg(
        'g',
        { class: t === 0 ? 'zero' : 'grid' },
        svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t) }),
        svg('text', { x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, document.createTextNode(this.numberFormat.format(t))),
      ),
    );
    const every = Math.max(1, Math.ceil(MIN_LABEL_GAP / band));
    const xLabels = data.short.flatMap((text, i) =>
      i % every === 0
        ? [svg('text', { x: MARGIN.left + band * (i + 0.5), y: HEIGHT - 6, 'text-anchor': 'middle' }, document.createTextNode(text))]
        : [],
    );
    const bars: SVGElement[] = [];
    for (let i = 0; i < n; i++) {
      let up = 0;
      let down = 0;
      const x = MARGIN.left + band * i + (band - barW) / 2;
      data.series.forEach((s, k) => {
        const value = data.values[k][i];
        if (value === null || value === 0) return;
        const signed = s.returned ? -Math.abs(value) : value;
        const from = signed >= 0 ? up : down;
        const to = from + signed;
        if (signed >= 0) up = to;
        else down = to;
        const title = svg('title', {}, document.createTextNode(`${data.long[i]} · ${s.label}: ${data.describe(s, value)}`));
        bars.push(
          svg(
            'rect',
            { x, width: barW, y: Math.min(y(from), y(to)), height: Math.max(0.5, Math.abs(y(to) - y(from))), class: `energy-c${s.colour}` },
            title,
          ),
        );
      });
    }
    const picture = svg(
      'svg',
      { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': this.label, class: 'energy-svg' },
      ...grid,
      ...bars,
      ...xLabels,
    );
    this.element.replaceChildren(picture);
  }
}

/** The highest stack above zero and the lowest below it. */
function extent(data: BarData): { high: number; low: number } {
  let high = 0;
  let low = 0;
  for (let i = 0; i < data.short.length; i++) {
    let up = 0;
    let down = 0;
    data.series.forEach((s, k) => {
      const v = data.values[k][i] ?? 0;
      if (s.returned) down -= Math.abs(v);
      else up += v;
    });
    high = Math.max(high, up);
    low = Math.min(low, down);
  }
  return { high, low };
}

/** Round gridline values covering [low, high] and zero: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(low: number, high: number): number[] {
  const span = high - low || 1;
  const raw = span / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(low / step) * step;
  const out: number[] = [];
  for (let t = first; t < high + step - 1e-9 * step; t += step) out.push(Number((Math.round(t / step) * step).toPrecision(12)));
  if (out.length < 2) out.push(out[0] + step);
  return out;
}
