// agg=increase and agg=rate: how much a counter (a meter total) grew per window. Each rise between
// consecutive samples of a metric is booked in the window of the later sample, the rise from the
// last sample before the range included; a drop is a counter reset, after which the rise is the new
// value itself (as Prometheus counts). An hour bucket whose samples were written in time order
// keeps the sum of its own rises (`rise` in its summary), so a whole hour inside one window adds
// the rise from the sample before it to its first plus that sum, without reading its samples.
import { HOUR_MS, riseBetween, type Summary } from './buckets.js';
import { TooManyWindowsError, type AggregatePoint } from '../core/store.js';
import { MAX_WINDOWS, type WindowGrid } from './windows.js';

export type CounterAggregation = 'increase' | 'rate';

export function isCounterAggregation(agg: string): agg is CounterAggregation {
  return agg === 'increase' || agg === 'rate';
}

/**
 * Whether an hour's summary may stand in for its samples in an increase: its rise is known (the
 * hour was written in time order by a hub that keeps it) and the hour lies whole inside one window
 * of the range.
 */
export function hourAnswersIncrease(start: number, summary: Summary, grid: WindowGrid, from: number, to: number): boolean {
  return summary.rise != null && start >= from && start + HOUR_MS <= to && grid.holdsHour(start);
}

type Item = { t: number; v: number; hour?: undefined } | { t: number; v: number; hour: Summary };

export class CounterFolder {
  private readonly items = new Map<string, Item[]>();

  constructor(
    private readonly grid: WindowGrid,
    private readonly from: number,
    private readonly to: number,
    private readonly maxWindows = MAX_WINDOWS,
  ) {}

  /** A sample; one before `from` only serves as the base of the first rise. */
  addSample(metric: string, t: number, v: number): void {
    if (t < this.to) this.list(metric).push({ t, v });
  }

  /** A whole hour for which hourAnswersIncrease() holds. */
  addHour(metric: string, summary: Summary): void {
    this.list(metric).push({ t: summary.firstT, v: summary.firstV, hour: summary });
  }

  points(agg: CounterAggregation): AggregatePoint[] {
    const out: AggregatePoint[] = [];
    for (const [metric, items] of this.items) {
      const windows = new Map<number, { increase: number; count: number }>();
      let prev: number | null = null;
      for (const item of items.sort((a, b) => a.t - b.t)) {
        if (item.t < this.from) {
          prev = item.hour ? item.hour.lastV : item.v;
          continue;
        }
        const start = this.grid.startOf(item.t);
        let w = windows.get(start);
        if (!w) {
          if (out.length + windows.size >= this.maxWindows) throw new TooManyWindowsError(this.maxWindows);
          windows.set(start, (w = { increase: 0, count: 0 }));
        }
        if (prev !== null) w.increase += riseBetween(prev, item.v);
        if (item.hour) {
          w.increase += item.hour.rise!;
          w.count += item.hour.count;
          prev = item.hour.lastV;
        } else {
          w.count += 1;
          prev = item.v;
        }
      }
      for (const [ts, w] of windows) {
        const value = agg === 'increase' ? w.increase : w.increase / (this.grid.lengthMs(ts) / 1000);
        out.push({ metric, ts, value, count: w.count });
      }
    }
    return out.sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
  }

  private list(metric: string): Item[] {
    let items = this.items.get(metric);
    if (!items) this.items.set(metric, (items = []));
    return items;
  }
}
