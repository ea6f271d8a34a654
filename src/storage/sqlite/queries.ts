// Read side of the embedded store: raw pages walk the range an hour at a time; aggregates use
// bucket summaries where a whole bucket falls in one window and unpack samples only at the edges.
import type { Database, Statement } from 'better-sqlite3';
import { HOUR_MS, bucketStart, unpackSamples, type Summary } from '../buckets.js';
import { InvalidCursorError, type AggregatePoint, type AggregateQuery, type RawPage, type RawQuery } from '../store.js';
import type { Reading } from '../../core/model.js';
import { WindowFolder, afterCursor, decodeCursor, encodeCursor, summaryCoversBucket } from '../windows.js';

interface SegmentRow extends Summary {
  metric: string;
  start: number;
  samples?: Buffer;
}

const SUMMARY_COLUMNS = 'metric, start, count, sum, min, max, first_t AS firstT, first_v AS firstV, last_t AS lastT, last_v AS lastV';

export class SqliteQueries {
  private readonly nextHourWithData: Statement;
  private readonly hourSamples: Statement;
  private readonly rangeSummaries: Statement;
  private readonly rangeSamples: Statement;

  constructor(db: Database) {
    // `metric IS NULL` lets one statement serve both "one metric" and "all metrics".
    const metricFilter = '(@metric IS NULL OR metric = @metric)';
    this.nextHourWithData = db.prepare(
      `SELECT MIN(start) AS start FROM buckets WHERE device = @device AND ${metricFilter} AND start >= @from AND start < @to`,
    );
    this.hourSamples = db.prepare(
      `SELECT metric, start, samples FROM buckets WHERE device = @device AND ${metricFilter} AND start = @start`,
    );
    this.rangeSummaries = db.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM buckets WHERE device = @device AND ${metricFilter} AND start >= @from AND start < @to`,
    );
    this.rangeSamples = db.prepare(
      `SELECT metric, start, samples FROM buckets WHERE device = @device AND ${metricFilter} AND start >= @from AND start < @to`,
    );
  }

  raw(q: RawQuery): RawPage {
    const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (q.cursor !== undefined && cursor === null) throw new InvalidCursorError();
    const from = cursor ? Math.max(q.from, cursor.ts) : q.from;
    const out: Reading[] = [];
    let hour = bucketStart(from);
    while (out.length <= q.limit && hour < q.to) {
      const found = this.nextHourWithData.get({ device: q.deviceId, metric: q.metric ?? null, from: hour, to: q.to }) as { start: number | null };
      if (found.start === null) break;
      hour = found.start;
      const rows = this.hourSamples.all({ device: q.deviceId, metric: q.metric ?? null, start: hour }) as SegmentRow[];
      const readings: Reading[] = [];
      for (const row of rows) {
        for (const s of unpackSamples(row.start, row.samples!)) {
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
    const folder = new WindowFolder(q.everyMs, q.from, q.to);
    const params = { device: q.deviceId, metric: q.metric ?? null, from: bucketStart(q.from), to: q.to };
    const edgeHours = new Set<number>();
    for (const row of this.rangeSummaries.all(params) as SegmentRow[]) {
      if (summaryCoversBucket(row.start, q.everyMs, q.from, q.to)) folder.addSummary(row.metric, row.start, row);
      else edgeHours.add(row.start);
    }
    if (edgeHours.size > 0) {
      for (const row of this.rangeSamples.iterate(params) as Iterable<SegmentRow>) {
        if (!edgeHours.has(row.start)) continue;
        for (const s of unpackSamples(row.start, row.samples!)) folder.addSample(row.metric, s.t, s.v);
      }
    }
    return folder.points(q.agg);
  }
}
