// Writes samples into hour buckets in two steps. A write only appends: each touched hour's new
// samples go out as one packed row at the end of the `appended` table (a rowid table without
// indexes), so a commit dirties a few pages whatever the number of series, and no segment or
// summary is read back or rewritten per write. Compaction then moves everything appended into the
// hours' segments and summaries in one transaction, each open segment and `hours` row written
// once for all the samples gathered since the last compaction, and empties `appended`.
//
// Nothing is stored twice: the writer knows, for the hours being written, every timestamp held
// in their segments or in `appended`, and keeps a mirror of `appended` (this connection is its
// only writer; start() compacts what a previous life left there). Both are only updated after the
// transaction commits, so a failed write or compaction leaves them matching the database.
import type { Database, Statement } from 'better-sqlite3';
import type { Reading } from '../../core/model.js';
import { SEGMENT_CAP, bucketStart, mergeSummaries, packSamples, summarize, unpackSamples, type Sample, type Summary } from '../buckets.js';
import { NO_SEGMENT, extend, packReadings, withoutRise, type OpenSegment } from './open-segment.js';

interface HourState {
  /**
   * Every sample of the hour held in its segments or in `appended`, as its offset from the hour's
   * start: a small integer, which a Set holds without allocating as it would a 13-digit time.
   */
  seen: Set<number>;
  /** Read from the database when a compaction first needs it. */
  open: OpenSegment | null;
  /** The compacted samples' figures (the `hours` row); null while none are compacted. */
  summary: Summary | null;
}

interface Series {
  deviceId: string;
  metric: string;
}

/** An hour's samples in `appended`, not yet in its segments: the packed rows as written. */
interface Appended extends Series {
  key: string;
  start: number;
  chunks: Buffer[];
}

/** One hour's share of a write. */
interface Group extends Series {
  key: string;
  start: number;
  state: HourState;
  fresh: Reading[];
  packed: Buffer | null;
}

/** What a write did, to be kept (commit) once its transaction committed or undone (abort) if it did not. */
export interface WriteOutcome {
  inserted: number;
  duplicates: number;
  commit(): void;
  abort(): void;
}

export class BucketWriter {
  private readonly cache = new Map<string, HourState>();
  private readonly appended = new Map<string, Appended>();
  /** Per series, the latest hour it has in `hours`: a later hour is known empty without a query. */
  private readonly newest = new Map<string, number>();
  private appendedSamples = 0;
  private readonly insertAppended: Statement;
  private readonly selectAppended: Statement;
  private readonly clearAppended: Statement;
  private readonly selectNewest: Statement;
  private readonly selectHour: Statement;
  private readonly selectOpen: Statement;
  private readonly upsertSegment: Statement;
  private readonly selectHourSummary: Statement;
  private readonly upsertHourSummary: Statement;

  constructor(
    private readonly db: Database,
    private readonly maxCachedHours = 1024,
  ) {
    this.insertAppended = db.prepare('INSERT INTO appended (device, metric, start, samples) VALUES (?, ?, ?, ?)');
    this.selectAppended = db.prepare('SELECT device, metric, start, samples FROM appended ORDER BY id');
    this.clearAppended = db.prepare('DELETE FROM appended');
    this.selectNewest = db.prepare('SELECT MAX(start) FROM hours WHERE device = ? AND metric = ?').pluck();
    this.selectHour = db.prepare('SELECT samples FROM buckets WHERE device = ? AND metric = ? AND start = ?').pluck();
    this.selectOpen = db.prepare(
      'SELECT seg, samples FROM buckets WHERE device = ? AND metric = ? AND start = ? ORDER BY seg DESC LIMIT 1',
    );
    this.upsertSegment = db.prepare(`
      INSERT INTO buckets (device, metric, start, seg, count, sum, min, max, first_t, first_v, last_t, last_v, samples)
      VALUES (@device, @metric, @start, @seg, @count, @sum, @min, @max, @firstT, @firstV, @lastT, @lastV, @samples)
      ON CONFLICT (device, metric, start, seg) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        first_t = excluded.first_t, first_v = excluded.first_v, last_t = excluded.last_t,
        last_v = excluded.last_v, samples = excluded.samples`);
    this.selectHourSummary =
      db.prepare(`SELECT count, sum, min, max, first_t AS firstT, first_v AS firstV, last_t AS lastT, last_v AS lastV, rise
      FROM hours WHERE device = ? AND metric = ? AND start = ?`);
    // An update in place (not REPLACE) leaves the secondary indexes alone: their columns never change.
    this.upsertHourSummary = db.prepare(`
      INSERT INTO hours (device, metric, start, count, sum, min, max, first_t, first_v, last_t, last_v, rise)
      VALUES (@device, @metric, @start, @count, @sum, @min, @max, @firstT, @firstV, @lastT, @lastV, @rise)
      ON CONFLICT (device, metric, start) DO UPDATE SET
        count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        first_t = excluded.first_t, first_v = excluded.first_v, last_t = excluded.last_t, last_v = excluded.last_v,
        rise = excluded.rise`);
  }

  /** Samples written but not yet compacted. */
  get pendingSamples(): number {
    return this.appendedSamples;
  }

  /**
   * Must run inside a transaction. Appends the readings not stored yet (nor repeated in the batch),
   * one packed row per hour. Their times join the hours' sets at once; abort() takes them out again
   * if the transaction does not commit, and a write that throws has taken them out itself.
   */
  write(readings: readonly Reading[]): WriteOutcome {
    const groups: Group[] = [];
    try {
      this.group(readings, groups);
      let inserted = 0;
      for (const g of groups) {
        if (g.fresh.length === 0) continue;
        g.packed = packReadings(g.start, g.fresh);
        this.insertAppended.run(g.deviceId, g.metric, g.start, g.packed);
        inserted += g.fresh.length;
      }
      return {
        inserted,
        duplicates: readings.length - inserted,
        commit: () => {
          for (const g of groups) {
            if (g.packed) this.noteAppended(g, g.packed, g.fresh.length);
            this.remember(g.key, g.state);
          }
        },
        abort: () => unsee(groups),
      };
    } catch (err) {
      unsee(groups);
      throw err;
    }
  }

  /** Sorts readings into their hours' groups, dropping those already stored or already taken. */
  private group(readings: readonly Reading[], groups: Group[]): void {
    // Per device and metric, the groups of this write: two lookups of strings the readings hold,
    // no key built per reading.
    const byDevice = new Map<string, Map<string, Group[]>>();
    for (const r of readings) {
      const start = bucketStart(r.ts);
      let byMetric = byDevice.get(r.deviceId);
      if (!byMetric) byDevice.set(r.deviceId, (byMetric = new Map()));
      let hours = byMetric.get(r.metric);
      if (!hours) byMetric.set(r.metric, (hours = []));
      let g = hours.find((h) => h.start === start);
      if (!g) {
        const key = `${r.deviceId}\u0000${r.metric}\u0000${start}`;
        const series = { deviceId: r.deviceId, metric: r.metric };
        g = { ...series, key, start, state: this.cache.get(key) ?? this.load(key, series, start), fresh: [], packed: null };
        hours.push(g);
        groups.push(g);
      }
      const offset = r.ts - start;
      if (g.state.seen.has(offset)) continue;
      // Packed, a value that is not a number would be stored as one; the transaction fails instead.
      if (typeof r.value !== 'number') throw new TypeError(`value of ${r.metric} at ${r.ts} is not a number`);
      g.state.seen.add(offset);
      g.fresh.push(r);
    }
  }

  /**
   * Moves everything in `appended` into segments and hour summaries, in one transaction of its
   * own. At start it first reads back what a previous life appended: rows the last compaction did
   * not reach (a crash between a write and the compaction), checked once more against the segments.
   */
  compact(): void {
    const updates: Array<{ key: string; state: HourState }> = [];
    const run = this.db.transaction(() => {
      // In key order: each series' hours sit together in the tables' primary keys.
      for (const a of [...this.appended.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
        const state = this.cache.get(a.key) ?? this.load(a.key, a, a.start);
        const samples = unpackSamples(a.start, a.chunks.length === 1 ? a.chunks[0] : Buffer.concat(a.chunks));
        updates.push({
          key: a.key,
          state: this.merge(
            a,
            state,
            samples.sort((x, y) => x.t - y.t),
          ),
        });
      }
      this.clearAppended.run();
    });
    run();
    this.appended.clear();
    this.appendedSamples = 0;
    for (const u of updates) this.remember(u.key, u.state);
  }

  /** Fills the mirror from the table, once, at start; returns how many rows it holds. */
  recover(): number {
    const rows = this.selectAppended.all() as Array<{ device: string; metric: string; start: number; samples: Buffer }>;
    for (const row of rows) {
      const key = `${row.device}\u0000${row.metric}\u0000${row.start}`;
      const series = { deviceId: row.device, metric: row.metric };
      // What the segments and the rows read so far hold: a row never repeats them, but a sample
      // stored twice would be counted twice, so this is checked rather than assumed.
      const { seen } = this.load(key, series, row.start);
      const fresh = unpackSamples(row.start, row.samples).filter((x) => !seen.has(x.t - row.start));
      if (fresh.length > 0) this.noteAppended({ ...series, key, start: row.start }, packSamples(row.start, fresh), fresh.length);
    }
    return rows.length;
  }

  /** Forgets what it knows of stored hours; only when nothing is pending (after compact()). */
  forget(): void {
    if (this.appended.size > 0) throw new Error('cannot forget stored hours while samples wait for compaction');
    this.cache.clear();
    this.newest.clear();
  }

  private noteAppended(g: Series & { key: string; start: number }, packed: Buffer, count: number): void {
    const a = this.appended.get(g.key);
    if (a) a.chunks.push(packed);
    else this.appended.set(g.key, { key: g.key, deviceId: g.deviceId, metric: g.metric, start: g.start, chunks: [packed] });
    this.appendedSamples += count;
  }

  /**
   * Writes `samples` (in time order) after the hour's open segment, opening further segments as
   * it fills; the open segment's bytes and figures are extended, not rebuilt from its samples.
   */
  private merge(g: Series & { start: number }, state: HourState, samples: Sample[]): HourState {
    let open = state.open ?? this.loadOpen(g);
    let remaining = samples;
    while (remaining.length > 0) {
      if (open.count >= SEGMENT_CAP) open = { seg: open.seg + 1, count: 0, packed: Buffer.alloc(0), summary: null };
      const chunk = remaining.slice(0, SEGMENT_CAP - open.count);
      remaining = remaining.slice(chunk.length);
      open = extend(open, g.start, chunk);
      this.upsertSegment.run({
        device: g.deviceId,
        metric: g.metric,
        start: g.start,
        seg: open.seg,
        ...withoutRise(open.summary!),
        samples: open.packed,
      });
    }
    const summary = state.summary ? mergeSummaries(state.summary, summarize(samples)) : summarize(samples);
    this.upsertHourSummary.run({ device: g.deviceId, metric: g.metric, start: g.start, ...summary, rise: summary.rise ?? null });
    const series = `${g.deviceId}\u0000${g.metric}`;
    if (g.start > (this.newest.get(series) ?? -Infinity)) this.newest.set(series, g.start);
    return { seen: state.seen, open, summary };
  }

  /**
   * What the hour holds: its segments' samples and compacted summary, plus its samples in
   * `appended`. An hour after the series' latest in `hours` has no segments: nothing to read.
   */
  private load(key: string, g: Series, start: number): HourState {
    const seen = new Set<number>();
    for (const chunk of this.appended.get(key)?.chunks ?? []) for (const x of unpackSamples(start, chunk)) seen.add(x.t - start);
    if (start > this.newestStored(g)) return { seen, open: NO_SEGMENT, summary: null };
    for (const packed of this.selectHour.all(g.deviceId, g.metric, start) as Buffer[]) {
      for (const x of unpackSamples(start, packed)) seen.add(x.t - start);
    }
    const summary = (this.selectHourSummary.get(g.deviceId, g.metric, start) as Summary | undefined) ?? null;
    return { seen, open: null, summary };
  }

  private newestStored(g: Series): number {
    const series = `${g.deviceId}\u0000${g.metric}`;
    let newest = this.newest.get(series);
    if (newest === undefined)
      this.newest.set(series, (newest = (this.selectNewest.get(g.deviceId, g.metric) as number | null) ?? -Infinity));
    return newest;
  }

  private loadOpen(g: Series & { start: number }): OpenSegment {
    const row = this.selectOpen.get(g.deviceId, g.metric, g.start) as { seg: number; samples: Buffer } | undefined;
    if (!row) return NO_SEGMENT;
    const samples = unpackSamples(g.start, row.samples);
    return { seg: row.seg, count: samples.length, packed: row.samples, summary: summarize(samples) };
  }

  private remember(key: string, state: HourState): void {
    this.cache.delete(key); // re-insert so Map order doubles as least-recently-used order
    this.cache.set(key, state);
    while (this.cache.size > this.maxCachedHours) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

/** Takes a failed write's readings out of their hours' sets again. */
function unsee(groups: Group[]): void {
  for (const g of groups) for (const r of g.fresh) g.state.seen.delete(r.ts - g.start);
}
