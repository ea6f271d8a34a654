// Whole windows of whole hours, valued by SQLite: for each window, the aggregation's value and the
// window's sample count, picked from the hour summaries (`hours`). Handing a row to JavaScript
// costs far more than reading it (every column a value, every row an array), so a statement
// returns only what a point holds: a year at every=1h is 8,760 rows of (start, value, count) for
// one metric, not 8,760 whole summaries folded one by one.
import type { Database, Statement } from 'better-sqlite3';
import { HOUR_MS } from '../buckets.js';
import { MAX_WINDOWS } from '../windows.js';
import { TooManyWindowsError, type AggregatePoint, type Aggregation } from '../../core/store.js';

type Picked = Exclude<Aggregation, 'increase' | 'rate'>;

/** An hour's value, as windows.ts pick() takes it from a summary. */
const HOUR_VALUE: Record<Picked, string> = {
  avg: 'sum / count',
  min: 'min',
  max: 'max',
  sum: 'sum',
  count: 'count',
  first: 'first_v',
  last: 'last_v',
};

/**
 * A window's value over its hours. first and last take SQLite's bare column from the row holding
 * the one MIN() or MAX() of the select: the earliest or the latest hour (an hour's samples all
 * come before the next hour's).
 */
const WINDOW_VALUE: Record<Picked, { pick: string; value: string }> = {
  avg: { pick: 'SUM(sum) AS s, SUM(count) AS c', value: 's / c' },
  min: { pick: 'MIN(min) AS v, SUM(count) AS c', value: 'v' },
  max: { pick: 'MAX(max) AS v, SUM(count) AS c', value: 'v' },
  sum: { pick: 'SUM(sum) AS v, SUM(count) AS c', value: 'v' },
  count: { pick: 'SUM(count) AS c', value: 'c' },
  first: { pick: 'MIN(start), first_v AS v, SUM(count) AS c', value: 'v' },
  last: { pick: 'MAX(start), last_v AS v, SUM(count) AS c', value: 'v' },
};

const RANGE = 'device = @device AND start >= @from AND start <= @lastStart';

/** Rows (start, value, count) for one metric, in time order; (metric, start, value, count) for all, by time then metric. */
function hourSql(agg: Picked, oneMetric: boolean): string {
  return oneMetric
    ? `SELECT start, ${HOUR_VALUE[agg]}, count FROM hours WHERE ${RANGE} AND metric = @metric ORDER BY start LIMIT @limit`
    : `SELECT metric, start, ${HOUR_VALUE[agg]}, count FROM hours WHERE ${RANGE} ORDER BY start, metric LIMIT @limit`;
}

function windowSql(agg: Picked, oneMetric: boolean): string {
  const { pick, value } = WINDOW_VALUE[agg];
  const windows = `SELECT metric, start - start % @every AS w, ${pick} FROM hours
    WHERE ${RANGE} ${oneMetric ? 'AND metric = @metric' : ''} GROUP BY metric, w`;
  return oneMetric
    ? `SELECT w, ${value}, c FROM (${windows}) ORDER BY w LIMIT @limit`
    : `SELECT metric, w, ${value}, c FROM (${windows}) ORDER BY w, metric LIMIT @limit`;
}

export class WindowValues {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /**
   * The points of windows of `q.everyMs` (whole hours) over the hours from `range.from` to
   * `range.lastStart`, every window holding only whole hours of the range; at most `maxWindows`.
   */
  points(
    q: { deviceId: string; metric?: string; everyMs: number },
    agg: Picked,
    range: { from: number; lastStart: number },
    maxWindows: number,
  ): AggregatePoint[] {
    const hourly = q.everyMs === HOUR_MS;
    const params = {
      device: q.deviceId,
      from: range.from,
      lastStart: range.lastStart,
      limit: maxWindows + 1,
      ...(q.metric !== undefined && { metric: q.metric }),
      ...(!hourly && { every: q.everyMs }),
    };
    const statement = this.statement(hourly ? 'hour' : 'window', agg, q.metric !== undefined);
    const points: AggregatePoint[] = [];
    if (q.metric !== undefined) {
      const metric = q.metric;
      for (const [ts, value, count] of statement.all(params) as Array<[number, number, number]>) points.push({ metric, ts, value, count });
    } else {
      for (const [metric, ts, value, count] of statement.all(params) as Array<[string, number, number, number]>) {
        points.push({ metric, ts, value, count });
      }
    }
    if (points.length > maxWindows) throw new TooManyWindowsError(MAX_WINDOWS);
    return points;
  }

  private statement(kind: 'hour' | 'window', agg: Picked, oneMetric: boolean): Statement {
    const key = `${kind}/${agg}/${oneMetric}`;
    let statement = this.statements.get(key);
    if (!statement) {
      const sql = kind === 'hour' ? hourSql(agg, oneMetric) : windowSql(agg, oneMetric);
      this.statements.set(key, (statement = this.db.prepare(sql).raw(true)));
    }
    return statement;
  }
}
