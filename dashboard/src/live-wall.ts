// Live charts: one per device and metric of the devices the list's filter shows, each the last
// few minutes of raw readings. Each chart listens to the page's stream before it asks REST for
// the recent past, so the two join without a gap (see series.ts).
import type { Api } from './api.js';
import { h, replaceChildren } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { JoinedSeries, silenceGapMs } from './series.js';
import { TimeChart } from './time-chart.js';
import type { Device } from './types.js';

export const LIVE_WINDOW_MS = 5 * 60_000;
const CHART_HEIGHT = 120;
/** Below this width the charts start folded away, so the page a phone scrolls stays short. */
const NARROW = '(max-width: 640px)';

interface LiveChart {
  chart: TimeChart;
  unsubscribe: () => void;
}

export class LiveWall {
  readonly element: HTMLElement;
  private readonly grid = h('div', { class: 'chart-grid' });
  private readonly summary = h('summary', {}, 'Charts');
  private readonly charts = new Map<string, LiveChart>();
  private shownKey = '';

  constructor(
    private readonly api: Api,
    private readonly store: DeviceStore,
    private readonly matches: (d: Device) => boolean,
  ) {
    this.element = h(
      'section',
      { class: 'live card', 'aria-labelledby': 'live-title' },
      h('h2', { id: 'live-title' }, 'Live'),
      h('p', { class: 'hint' }, `The last ${LIVE_WINDOW_MS / 60_000} minutes of every metric of the devices shown above.`),
      h('details', { class: 'live-charts', open: !matchMedia(NARROW).matches }, this.summary, this.grid),
    );
  }

  /** Shows the charts of the devices passing the filter, keeping the ones already shown. */
  sync(): void {
    const wanted = this.store
      .list()
      .filter(this.matches)
      .flatMap((d) => d.metrics.map((m) => ({ device: d, metric: m })));
    const key = wanted.map(({ device, metric }) => `${device.id}/${metric.name}`).join(',');
    if (key === this.shownKey) return;
    this.shownKey = key;
    const keep = new Set(wanted.map(({ device, metric }) => `${device.id}/${metric.name}`));
    for (const [id, live] of this.charts) {
      if (keep.has(id)) continue;
      live.unsubscribe();
      live.chart.destroy();
      this.charts.delete(id);
    }
    const fresh: TimeChart[] = [];
    const elements = wanted.map(({ device, metric }) => {
      const id = `${device.id}/${metric.name}`;
      let live = this.charts.get(id);
      if (!live) {
        live = this.open(device, metric.name, metric.unit);
        this.charts.set(id, live);
        fresh.push(live.chart);
      }
      return live.chart.element;
    });
    replaceChildren(this.grid, ...elements);
    this.summary.textContent = `${elements.length} ${elements.length === 1 ? 'chart' : 'charts'}`;
    if (elements.length === 0) this.grid.append(h('p', { class: 'hint' }, 'No device matches the filter.'));
    for (const chart of fresh) chart.mount();
  }

  /** After a stream reset the buffered past is unreliable: reload every chart from REST. */
  reload(): void {
    for (const live of this.charts.values()) {
      live.unsubscribe();
      live.chart.destroy();
    }
    this.charts.clear();
    this.shownKey = '';
    this.sync();
  }

  private open(device: Device, metric: string, unit?: string): LiveChart {
    const series = new JoinedSeries(null, LIVE_WINDOW_MS);
    const chart = new TimeChart(series, {
      label: `${device.name} · ${metric}`,
      unit,
      height: CHART_HEIGHT,
      span: () => ({ from: Date.now() - LIVE_WINDOW_MS, to: Date.now() }),
      gapMs: silenceGapMs(device.sampleIntervalMs),
    });
    chart.element.dataset.deviceId = device.id;
    chart.element.dataset.metric = metric;
    chart.element.classList.add('live-chart');
    const unsubscribe = this.store.onPoint(device.id, metric, (ts, value) => {
      series.add(ts, value);
      chart.update();
    });
    const now = Date.now();
    this.api
      .raw(device.id, { metric, from: now - LIVE_WINDOW_MS, to: now + 60_000 }, 1)
      .then(
        (points) => series.loadRaw(points),
        (err: unknown) => {
          console.warn(`live chart ${device.id}/${metric}: history not loaded`, err);
          series.loadRaw([]);
        },
      )
      .finally(() => chart.update());
    return { chart, unsubscribe };
  }
}
