// What the writer reads of compacted hours (their segments and `hours` rows) and how compaction
// writes them back: many rows per statement (row-statements.ts), each an update in place (not
// REPLACE), which leaves the secondary indexes alone: their columns never change.
import type { Database, Statement } from 'better-sqlite3';
import { summarize, unpackSamples, type Summary } from '../buckets.js';
import type { HourKey } from './appended-log.js';
import type { HourTimes } from './hour-times.js';
import { NO_SEGMENT, type OpenSegment } from './open-segment.js';
import { RowStatements } from './row-statements.js';

export class StoredHours {
  /** Per series, the latest hour it has in `hours`: a later hour is known empty without a query. */
  private readonly newest = new Map<string, number>();
  private readonly selectNewest: Statement;
  private readonly selectSamples: Statement;
  private readonly selectOpen: Statement;
  private readonly selectSummary: Statement;
  private readonly upsertSegments: RowStatements;
  private readonly upsertHours: RowStatements;

  constructor(db: Database) {
    this.selectNewest = db.prepare('SELECT MAX(start) FROM hours WHERE device = ? AND metric = ?').pluck();
    this.selectSamples = db.prepare('SELECT samples FROM buckets WHERE device = ? AND metric = ? AND start = ?').pluck();
    this.selectOpen = db.prepare(
      'SELECT seg, samples FROM buckets WHERE device = ? AND metric = ? AND start = ? ORDER BY seg DESC LIMIT 1',
    );
    this.selectSummary =
      db.prepare(`SELECT count, sum, min, max, first_t AS firstT, first_v AS firstV, last_t AS lastT, last_v AS lastV, rise
      FROM hours WHERE device = ? AND metric = ? AND start = ?`);
    this.upsertSegments = new RowStatements(
      db,
      'INSERT INTO buckets (device, metric, start, seg, count, sum, min, max, first_t, first_v, last_t, last_v, samples) VALUES',
      '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      `ON CONFLICT (device, metric, start, seg) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        first_t = excluded.first_t, first_v = excluded.first_v, last_t = excluded.last_t,
        last_v = excluded.last_v, samples = excluded.samples`,
    );
    this.upsertHours = new RowStatements(
      db,
      'INSERT INTO hours (device, metric, start, count, sum, min, max, first_t, first_v, last_t, last_v, rise) VALUES',
      '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      `ON CONFLICT (device, metric, start) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        first_t = excluded.first_t, first_v = excluded.first_v, last_t = excluded.last_t, last_v = excluded.last_v,
        rise = excluded.rise`,
    );
  }

  /** The hour lies after the series' latest compacted hour: it has no segments and no summary. */
  isEmpty(hour: HourKey): boolean {
    const series = `${hour.deviceId}\u0000${hour.metric}`;
    let newest = this.newest.get(series);
    if (newest === undefined) {
      newest = (this.selectNewest.get(hour.deviceId, hour.metric) as number | null) ?? Number.NEGATIVE_INFINITY;
      this.newest.set(series, newest);
    }
    return hour.start > newest;
  }

  /** Adds the offsets of the hour's segment samples to `seen`. */
  addOffsets(hour: HourKey, seen: HourTimes): void {
    for (const packed of this.selectSamples.all(hour.deviceId, hour.metric, hour.start) as Buffer[]) {
      for (const x of unpackSamples(hour.start, packed)) seen.add(x.t - hour.start);
    }
  }

  summary(hour: HourKey): Summary | null {
    return (this.selectSummary.get(hour.deviceId, hour.metric, hour.start) as Summary | undefined) ?? null;
  }

  open(hour: HourKey): OpenSegment {
    const row = this.selectOpen.get(hour.deviceId, hour.metric, hour.start) as { seg: number; samples: Buffer } | undefined;
    if (!row) return NO_SEGMENT;
    const samples = unpackSamples(hour.start, row.samples);
    return { seg: row.seg, count: samples.length, packed: row.samples, summary: summarize(samples) };
  }

  /** Writes segments and hour summaries (inside the caller's transaction), in the order given. */
  write(segments: ReadonlyArray<{ hour: HourKey; segment: OpenSegment }>, hours: ReadonlyArray<{ hour: HourKey; summary: Summary }>): void {
    this.upsertSegments.runEach(segments, ({ hour, segment }, values) => {
      const s = segment.summary!;
      values.push(hour.deviceId, hour.metric, hour.start, segment.seg, s.count, s.sum, s.min, s.max, s.firstT, s.firstV, s.lastT, s.lastV);
      values.push(segment.packed);
    });
    this.upsertHours.runEach(hours, ({ hour, summary: s }, values) => {
      values.push(
        hour.deviceId,
        hour.metric,
        hour.start,
        s.count,
        s.sum,
        s.min,
        s.max,
        s.firstT,
        s.firstV,
        s.lastT,
        s.lastV,
        s.rise ?? null,
      );
    });
  }

  /** After a compaction wrote the hour: it may be the series' latest now. */
  noteWritten(hour: HourKey): void {
    const series = `${hour.deviceId}\u0000${hour.metric}`;
    if (hour.start > (this.newest.get(series) ?? Number.NEGATIVE_INFINITY)) this.newest.set(series, hour.start);
  }

  clear(): void {
    this.newest.clear();
  }
}
