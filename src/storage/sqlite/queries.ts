// Read side of the embedded store: raw pages walk the range an hour at a time. Aggregates over
// whole-hour windows read the hour summaries (`hours`, no sample blobs), folded into windows by
// SQLite when a window spans several hours (a year at every=1d returns 365 rows); only the hours
// at the range's edges (or every hour, for sub-hour windows) have their samples unpacked.
// SQLite also picks each window's value (window-values.ts): a row costs more to hand to JavaScript
// than to read, so a year at every=1h takes three columns per hour, not every figure of its summary.
import type { Database, Statement } from 'better-sqlite3';
import { HOUR_MS, bucketStart, forEachSample, unpackSamples } from '../buckets.js';
import { InvalidCursorError, type AggregatePoint, type AggregateQuery, type RawPage, type RawQuery } from '../../core/store.js';
import type { Reading } from '../../core/model.js';
import { CounterFolder, hourAnswersIncrease, isCounterAggregation, type CounterAggregation } from '../counters.js';
import {
  MAX_WINDOWS,
  SampleWork,
  WindowFolder,
  afterCursor,
  bucketFitsWindow,
  coveredRange,
  decodeCursor,
  encodeCursor,
  gridOf,
  windowStart,
} from '../windows.js';
import { WindowValues } from './window-values.js';

interface SampleRow {
  metric: string;
  start: number;
  samples: Buffer;
}

const HOUR_SUMMARIES = (filter: string) => `
  SELECT metric, start, count, sum, min, max, first_t AS firstT, first_v AS firstV, last_t AS lastT, last_v AS lastV, rise
  FROM hours WHERE device = @device ${filter} AND start >= @from AND start <= @lastStart`;

/** The columns of HOUR_SUMMARIES, in order. */
type SummaryRow = [string, number, number, number, number, number, number, number, number, number, (number | null)?];

/** A statement for one metric (walks the primary key) and one for all metrics (the device index). */
interface PerMetric {
  one: Statement;
  all: Statement;
}

export class SqliteQueries {
  private readonly nextHourWithData: Statement;
  private readonly hourSamples: Statement;
  private readonly hourSummaries: PerMetric;
  private readonly rangeSamples: PerMetric;
  private readonly lastBefore: Statement;
  private readonly windowValues: WindowValues;

  constructor(db: Database) {
    this.windowValues = new WindowValues(db);
    // `metric IS NULL` lets one statement serve both "one metric" and "all metrics".
    const metricFilter = '(@metric IS NULL OR metric = @metric)';
    this.nextHourWithData = db.prepare(
      `SELECT MIN(start) AS start FROM buckets WHERE device = @device AND ${metricFilter} AND start >= @from AND start < @to`,
    );
    this.hourSamples = db.prepare(
      `SELECT metric, start, samples FROM buckets WHERE device = @device AND ${metricFilter} AND start = @start`,
    );
    const perMetric = (sql: (filter: string) => string): PerMetric => ({
      one: db.prepare(sql('AND metric = @metric')),
      all: db.prepare(sql('')),
    });
    // Rows as arrays: building thousands of row objects in better-sqlite3 costs more than the scan.
    const asArrays = ({ one, all }: PerMetric): PerMetric => ({ one: one.raw(true), all: all.raw(true) });
    this.hourSummaries = asArrays(perMetric(HOUR_SUMMARIES));
    this.lastBefore = db.prepare(
      'SELECT last_v AS lastV FROM hours WHERE device = @device AND metric = @metric AND start < @before ORDER BY start DESC LIMIT 1',
    );
    this.rangeSamples = perMetric(
      (filter) => `SELECT metric, start, samples FROM buckets WHERE device = @device ${filter} AND start >= @from AND start < @to`,
    );
  }

  raw(q: RawQuery): RawPage {
    const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (q.cursor !== undefined && cursor === null) throw new InvalidCursorError();
    const from = cursor ? Math.max(q.from, cursor.ts) : q.from;
    const out: Reading[] = [];
    let hour = bucketStart(from);
    while (out.length <= q.limit && hour < q.to) {
      const found = this.nextHourWithData.get({ device: q.deviceId, metric: q.metric ?? null, from: hour, to: q.to }) as {
        start: number | null;
      };
      if (found.start === null) break;
      hour = found.start;
      const rows = this.hourSamples.all({ device: q.deviceId, metric: q.metric ?? null, start: hour }) as SampleRow[];
      const readings: Reading[] = [];
      for (const row of rows) {
        for (const s of unpackSamples(row.start, row.samples)) {
          if (s.t < from || s.t >= q.to) continue;
          if (cursor && !afterCursor(s.t, row.metric, cursor)) continue;
          readings.push({ deviceId: q.deviceId, metric: row.metric, ts: s.t, value: s.v });
        }
      }
      readings.sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
      out.push(...readings);
      hour += HOUR_MS;
    }
    if (out.length <= q.limit) return { readings: out };
    const page = out.slice(0, q.limit);
    const last = page[page.length - 1];
    return { readings: page, nextCursor: encodeCursor(last.ts, last.metric) };
  }

  aggregate(q: AggregateQuery): AggregatePoint[] {
    if (isCounterAggregation(q.agg)) return this.increase(q, q.agg);
    const folder = new WindowFolder(gridOf(q), q.from, q.to);
    const covered = coveredRange(q);
    if (!covered) {
      this.foldCutHours(q, folder);
      return folder.points(q.agg);
    }
    // A window holding an hour the range cuts (at its start or end) is folded here, from that
    // hour's samples and its other hours' summaries; the windows between come whole from SQLite.
    const cutFirst = bucketStart(q.from) < covered.from;
    const cutLast = covered.lastStart + HOUR_MS < q.to;
    const innerFrom = cutFirst ? windowStart(bucketStart(q.from), q.everyMs) + q.everyMs : covered.from;
    const innerEnd = cutLast ? windowStart(covered.lastStart + HOUR_MS, q.everyMs) : covered.lastStart + HOUR_MS;
    const inner = { from: Math.max(covered.from, innerFrom), lastStart: Math.min(covered.lastStart, innerEnd - HOUR_MS) };
    const wholeHours =
      inner.from > inner.lastStart
        ? [covered]
        : [
            { from: covered.from, lastStart: inner.from - HOUR_MS },
            { from: inner.lastStart + HOUR_MS, lastStart: covered.lastStart },
          ];
    for (const range of wholeHours) {
      if (range.from > range.lastStart) continue;
      for (const [metric, start, count, sum, min, max, firstT, firstV, lastT, lastV] of this.fetch(this.hourSummaries, q, range)) {
        folder.addSummary(metric, start, { count, sum, min, max, firstT, firstV, lastT, lastV });
      }
    }
    for (const [from, to] of [
      [bucketStart(q.from), covered.from],
      [covered.lastStart + HOUR_MS, q.to],
    ]) {
      if (from >= to) continue;
      for (const row of this.select(q, { from, to })) {
        forEachSample(row.start, row.samples, (t, v) => folder.addSample(row.metric, t, v));
      }
    }
    const edges = folder.points(q.agg);
    if (inner.from > inner.lastStart) return edges;
    const middle = this.windowValues.points(q, q.agg, inner, MAX_WINDOWS - edges.length);
    const head = edges.filter((p) => p.ts < inner.from);
    return edges.length === 0 ? middle : [...head, ...middle, ...edges.slice(head.length)];
  }

  /**
   * Windows that are not whole hours: an hour no window boundary cuts is folded from its summary;
   * the others' samples are unpacked, after the count of those samples (from the summaries) is
   * checked against the query's limit, so a year at every=3599s is refused before any work.
   */
  private foldCutHours(q: AggregateQuery, folder: WindowFolder): void {
    const work = new SampleWork();
    const grid = gridOf(q);
    for (const [metric, start, count, sum, min, max, firstT, firstV, lastT, lastV] of this.fetch(this.hourSummaries, q, {
      from: bucketStart(q.from),
      lastStart: bucketStart(q.to - 1),
    })) {
      if (bucketFitsWindow(start, grid, q.from, q.to))
        folder.addSummary(metric, start, { count, sum, min, max, firstT, firstV, lastT, lastV });
      else work.add(metric, start, count);
    }
    work.check(q.maxSamples);
    for (const span of work.spans()) {
      for (const row of this.select(q, span)) {
        if (!span.needed.has(`${row.metric}@${row.start}`)) continue;
        forEachSample(row.start, row.samples, (t, v) => folder.addSample(row.metric, t, v));
      }
    }
  }

  /**
   * agg=increase/rate: hours whose rise is known and that lie whole in one window come from their
   * summaries, the others (range edges, hours a window boundary cuts, hours written out of order
   * or before rises were kept) from their samples; the base of the first rise is the last value of
   * the latest hour before the range.
   */
  private increase(q: AggregateQuery, agg: CounterAggregation): AggregatePoint[] {
    const grid = gridOf(q);
    const folder = new CounterFolder(grid, q.from, q.to);
    const work = new SampleWork();
    const metrics = new Set<string>();
    const firstHour = bucketStart(q.from);
    for (const [metric, start, count, sum, min, max, firstT, firstV, lastT, lastV, rise] of this.fetch(this.hourSummaries, q, {
      from: firstHour,
      lastStart: bucketStart(q.to - 1),
    })) {
      metrics.add(metric);
      const summary = { count, sum, min, max, firstT, firstV, lastT, lastV, rise };
      if (hourAnswersIncrease(start, summary, grid, q.from, q.to)) folder.addHour(metric, summary);
      else work.add(metric, start, count);
    }
    work.check(q.maxSamples);
    for (const span of work.spans()) {
      for (const row of this.select(q, span)) {
        if (!span.needed.has(`${row.metric}@${row.start}`)) continue;
        forEachSample(row.start, row.samples, (t, v) => folder.addSample(row.metric, t, v));
      }
    }
    for (const metric of metrics) {
      const before = this.lastBefore.get({ device: q.deviceId, metric, before: firstHour }) as { lastV: number } | undefined;
      if (before) folder.addSample(metric, firstHour - 1, before.lastV);
    }
    return folder.points(agg);
  }

  /** Summary rows, fetched whole (at most one per hour of the range): all() costs less per row than iterate(). */
  private fetch(statements: PerMetric, q: AggregateQuery, params: Record<string, number>): SummaryRow[] {
    return (
      q.metric === undefined
        ? statements.all.all({ device: q.deviceId, ...params })
        : statements.one.all({ device: q.deviceId, metric: q.metric, ...params })
    ) as SummaryRow[];
  }

  /** Sample rows, iterated rather than fetched whole: a long range streams through the folder. */
  private select(q: AggregateQuery, range: { from: number; to: number }): Iterable<SampleRow> {
    const params = { device: q.deviceId, from: range.from, to: range.to };
    return (
      q.metric === undefined ? this.rangeSamples.all.iterate(params) : this.rangeSamples.one.iterate({ ...params, metric: q.metric })
    ) as Iterable<SampleRow>;
  }
}
