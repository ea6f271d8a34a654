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
import { SEGMENT_CAP, addToSummary, mergeSummaries, packSamples, summarize, unpackSamples, type Sample, type Summary } from '../buckets.js';

/** The open (last) segment as stored: its packed samples and figures, extended on each compaction. */
interface OpenSegment {
  seg: number;
  count: number;
  packed: Buffer;
  summary: Summary | null;
}

interface HourState {
  /** Every timestamp of the hour held in its segments or in `appended`. */
  seen: Set<number>;
  /** Read from the database when a compaction first needs it. */
  open: OpenSegment | null;
  /** The compacted samples' figures (the `hours` row); null while none are compacted. */
  summary: Summary | null;
}

export interface BucketGroup {
  deviceId: string;
  metric: string;
  start: number;
  samples: Sample[];
}

/** An hour's samples in `appended`, not yet in its segments. */
interface Appended extends BucketGroup {
  key: string;
}

export class BucketWriter {
  private readonly cache = new Map<string, HourState>();
  private readonly appended = new Map<string, Appended>();
  private appendedSamples = 0;
  private readonly insertAppended: Statement;
  private readonly selectAppended: Statement;
  private readonly clearAppended: Statement;
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
   * Must run inside a transaction. Appends the samples not stored yet; returns the updates of the
   * writer's memory to apply with commit() once the transaction has committed.
   */
  write(groups: Iterable<BucketGroup>): { inserted: number; duplicates: number; commit: () => void } {
    let inserted = 0;
    let duplicates = 0;
    const updates: Array<{ key: string; state: HourState; group: BucketGroup; fresh: Sample[] }> = [];
    for (const g of groups) {
      const key = `${g.deviceId}\u0000${g.metric}\u0000${g.start}`;
      const state = this.cache.get(key) ?? this.load(key, g);
      const fresh = g.samples.filter((s) => !state.seen.has(s.t));
      duplicates += g.samples.length - fresh.length;
      if (fresh.length > 0) {
        // Packed, a value that is not a number would be stored as one; the transaction fails instead.
        for (const s of fresh) if (typeof s.v !== 'number') throw new TypeError(`value of ${g.metric} at ${s.t} is not a number`);
        inserted += fresh.length;
        this.insertAppended.run(g.deviceId, g.metric, g.start, packSamples(g.start, fresh));
      }
      updates.push({ key, state, group: g, fresh });
    }
    const commit = () => {
      for (const u of updates) {
        // The hour's set of stored times grows only now, in place: copying it on every write
        // would cost as much as the hour already holds.
        for (const sample of u.fresh) u.state.seen.add(sample.t);
        if (u.fresh.length > 0) this.noteAppended(u.key, u.group, u.fresh);
        this.remember(u.key, u.state);
      }
    };
    return { inserted, duplicates, commit };
  }

  /**
   * Moves everything in `appended` into segments and hour summaries, in one transaction of its
   * own. At start it first reads back what a previous life appended: rows the last compaction did
   * not reach (a crash between a write and the compaction), checked once more against the segments.
   */
  compact(): void {
    const updates: Array<{ key: string; state: HourState }> = [];
    const run = this.db.transaction(() => {
      for (const a of [...this.appended.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
        const state = this.cache.get(a.key) ?? this.load(a.key, a);
        const samples = a.samples.sort((x, y) => x.t - y.t);
        updates.push({ key: a.key, state: this.merge(a, state, samples) });
      }
      this.clearAppended.run();
    });
    run();
    this.appended.clear();
    this.appendedSamples = 0;
    for (const u of updates) this.remember(u.key, u.state);
  }

  /** Fills the mirror from the table; returns how many rows it holds. */
  recover(): number {
    const rows = this.selectAppended.all() as Array<{ device: string; metric: string; start: number; samples: Buffer }>;
    for (const row of rows) {
      const group = { deviceId: row.device, metric: row.metric, start: row.start, samples: [] };
      const key = `${row.device}\u0000${row.metric}\u0000${row.start}`;
      // What the segments and the rows read so far hold: a row never repeats them, but a sample
      // stored twice would be counted twice, so this is checked rather than assumed.
      const { seen } = this.load(key, group);
      this.noteAppended(
        key,
        group,
        unpackSamples(row.start, row.samples).filter((s) => !seen.has(s.t)),
      );
    }
    return rows.length;
  }

  /** Forgets what it knows of stored hours; only when nothing is pending (after compact()). */
  forget(): void {
    if (this.appended.size > 0) throw new Error('cannot forget stored hours while samples wait for compaction');
    this.cache.clear();
  }

  private noteAppended(key: string, g: BucketGroup, fresh: Sample[]): void {
    const a = this.appended.get(key);
    if (a) for (const s of fresh) a.samples.push(s);
    else this.appended.set(key, { key, deviceId: g.deviceId, metric: g.metric, start: g.start, samples: fresh.slice() });
    this.appendedSamples += fresh.length;
  }

  /**
   * Writes `samples` (in time order) after the hour's open segment, opening further segments as
   * it fills; the open segment's bytes and figures are extended, not rebuilt from its samples.
   */
  private merge(g: BucketGroup, state: HourState, samples: Sample[]): HourState {
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
    return { seen: state.seen, open, summary };
  }

  /** What the hour holds: its segments' timestamps and compacted summary, plus its samples in `appended`. */
  private load(key: string, g: BucketGroup): HourState {
    const seen = new Set<number>();
    for (const packed of this.selectHour.all(g.deviceId, g.metric, g.start) as Buffer[]) {
      for (const s of unpackSamples(g.start, packed)) seen.add(s.t);
    }
    for (const s of this.appended.get(key)?.samples ?? []) seen.add(s.t);
    const summary = (this.selectHourSummary.get(g.deviceId, g.metric, g.start) as Summary | undefined) ?? null;
    return { seen, open: null, summary };
  }

  private loadOpen(g: BucketGroup): OpenSegment {
    const row = this.selectOpen.get(g.deviceId, g.metric, g.start) as { seg: number; samples: Buffer } | undefined;
    if (!row) return { seg: 0, count: 0, packed: Buffer.alloc(0), summary: null };
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

/** The segment with `chunk` after its samples: figures summed in the same order a full summarize() would. */
function extend(open: OpenSegment, start: number, chunk: Sample[]): OpenSegment {
  let summary: Summary;
  if (open.summary) {
    summary = { ...open.summary };
    for (const sample of chunk) addToSummary(summary, sample.t, sample.v);
  } else {
    summary = summarize(chunk);
  }
  return { seg: open.seg, count: open.count + chunk.length, packed: Buffer.concat([open.packed, packSamples(start, chunk)]), summary };
}

/** Segment rows keep no rise: only the hour's summary (`hours`) does. */
function withoutRise(summary: Summary): Omit<Summary, 'rise'> {
  const { rise: _rise, ...rest } = summary;
  return rest;
}
