// Appends samples to hour buckets. It keeps, for the hours being written, the timestamps already
// stored, the open (last) segment and the hour's summary, so a flush costs one segment write and
// one `hours` row write per touched series instead of a read-modify-write of the whole hour. The
// cache is only updated after the transaction commits, so a failed flush leaves it matching the
// database.
import type { Database, Statement } from 'better-sqlite3';
import { SEGMENT_CAP, addToSummary, mergeSummaries, packSamples, summarize, unpackSamples, type Sample, type Summary } from '../buckets.js';

/** The open (last) segment as stored: its packed samples and figures, extended on each write. */
interface OpenSegment {
  seg: number;
  count: number;
  packed: Buffer;
  summary: Summary | null;
}

interface HourState {
  open: OpenSegment;
  seen: Set<number>;
  /** The whole hour's figures over all its segments; null while the hour is empty. */
  summary: Summary | null;
}

export interface BucketGroup {
  deviceId: string;
  metric: string;
  start: number;
  samples: Sample[];
}

export class BucketWriter {
  private readonly cache = new Map<string, HourState>();
  private readonly selectHour: Statement;
  private readonly upsertSegment: Statement;
  private readonly selectHourSummary: Statement;
  private readonly upsertHourSummary: Statement;

  constructor(
    db: Database,
    private readonly maxCachedHours = 1024,
  ) {
    this.selectHour = db.prepare('SELECT seg, samples FROM buckets WHERE device = ? AND metric = ? AND start = ? ORDER BY seg');
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

  /**
   * Must run inside a transaction. Returns the cache updates to apply with commit() once the
   * transaction has committed.
   */
  write(groups: Iterable<BucketGroup>): { inserted: number; duplicates: number; commit: () => void } {
    let inserted = 0;
    let duplicates = 0;
    const updates: Array<{ key: string; state: HourState; added: Sample[] }> = [];
    for (const g of groups) {
      const key = `${g.deviceId}\u0000${g.metric}\u0000${g.start}`;
      const state = this.cache.get(key) ?? this.load(g);
      const fresh = g.samples.filter((s) => !state.seen.has(s.t));
      duplicates += g.samples.length - fresh.length;
      if (fresh.length === 0) {
        updates.push({ key, state, added: [] });
        continue;
      }
      inserted += fresh.length;
      updates.push({ key, state: this.append(g, state, fresh), added: fresh });
    }
    const commit = () => {
      for (const u of updates) {
        // The hour's set of stored times grows only now, in place: copying it on every write
        // would cost as much as the hour already holds.
        for (const sample of u.added) u.state.seen.add(sample.t);
        this.remember(u.key, u.state);
      }
    };
    return { inserted, duplicates, commit };
  }

  forget(): void {
    this.cache.clear();
  }

  /**
   * Writes `fresh` after the hour's open segment; the state returned still lacks their times in
   * `seen`. The open segment's bytes and figures are extended, not rebuilt from its samples.
   */
  private append(g: BucketGroup, state: HourState, fresh: Sample[]): HourState {
    let open = state.open;
    let remaining = fresh;
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
    const summary = state.summary ? mergeSummaries(state.summary, summarize(fresh)) : summarize(fresh);
    this.upsertHourSummary.run({ device: g.deviceId, metric: g.metric, start: g.start, ...summary, rise: summary.rise ?? null });
    return { open, seen: state.seen, summary };
  }

  private load(g: BucketGroup): HourState {
    const rows = this.selectHour.all(g.deviceId, g.metric, g.start) as Array<{ seg: number; samples: Buffer }>;
    const seen = new Set<number>();
    let last: Sample[] = [];
    for (const row of rows) {
      last = unpackSamples(g.start, row.samples);
      for (const s of last) seen.add(s.t);
    }
    const lastRow = rows.at(-1);
    const open: OpenSegment = lastRow
      ? { seg: lastRow.seg, count: last.length, packed: lastRow.samples, summary: summarize(last) }
      : { seg: 0, count: 0, packed: Buffer.alloc(0), summary: null };
    const summary = (this.selectHourSummary.get(g.deviceId, g.metric, g.start) as Summary | undefined) ?? null;
    return { open, seen, summary };
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
