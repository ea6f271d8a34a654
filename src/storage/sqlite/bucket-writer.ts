// Writes samples into hour buckets in two steps. A write only appends: each touched hour's new
// samples go out as one packed row at the end of the `appended` table (a rowid table without
// indexes), so a commit dirties a few pages whatever the number of series, and no segment or
// summary is read back or rewritten per write. Compaction then moves appended hours into their
// segments and summaries, a slice of hours per transaction (compact()): each open segment and
// `hours` row written once for all the samples the hour gathered since its last compaction, and
// the hours' rows deleted from `appended` in the same transaction, so a crash between slices
// leaves every sample in exactly one place.
//
// Nothing is stored twice: the writer knows, for the hours being written, every timestamp held
// in their segments or in `appended`, and keeps a mirror of `appended` (appended-log.ts; this
// connection is its only writer; start() compacts what a previous life left there). Both are only
// updated after the transaction commits, so a failed write or compaction leaves them matching the
// database.
import type { Database, Statement } from 'better-sqlite3';
import type { Reading } from '../../core/model.js';
import { HOUR_MS, SEGMENT_CAP, mergeSummaries, packSamples, summarize, unpackSamples, type Summary } from '../buckets.js';
import { AppendedLog, type AppendedHour, type HourKey, type NewRow } from './appended-log.js';
import { NO_SEGMENT, extend, extendPacked, packReadings, type OpenSegment } from './open-segment.js';
import { HourTimes } from './hour-times.js';
import { StoredHours } from './stored-hours.js';

interface HourState {
  /** Every sample of the hour held in its segments or in `appended`, as its offset from the hour's start. */
  seen: HourTimes;
  /** Read from the database when a compaction first needs it. */
  open: OpenSegment | null;
  /** The compacted samples' figures (the `hours` row); null while none are compacted. */
  summary: Summary | null;
}

/** One hour's share of a write. */
interface Group extends HourKey {
  state: HourState;
  fresh: Reading[];
}

/** What a compaction leaves of an hour, for its cached state once the slice committed. */
interface Compacted {
  key: string;
  hour: HourKey;
  open: OpenSegment;
  summary: Summary;
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
  private readonly log: AppendedLog;
  private readonly stored: StoredHours;
  private readonly selectAppended: Statement;

  constructor(
    private readonly db: Database,
    private readonly maxCachedHours = 1024,
  ) {
    this.log = new AppendedLog(db);
    this.stored = new StoredHours(db);
    this.selectAppended = db.prepare('SELECT id, device, metric, start, samples FROM appended ORDER BY id');
  }

  /** Samples written but not yet compacted. */
  get pendingSamples(): number {
    return this.log.pendingSamples;
  }

  /** Hours with rows in `appended` (recovered rows may hold no new sample, yet wait to be deleted). */
  get pendingHourCount(): number {
    return this.log.size;
  }

  /** The hours waiting for compaction, in the order compact() takes them best. */
  pendingHours(): string[] {
    return this.log.keys();
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
      const rows: NewRow[] = [];
      for (const g of groups) if (g.fresh.length > 0) rows.push({ hour: g, packed: packReadings(g.start, g.fresh), count: g.fresh.length });
      const ids = this.log.append(rows);
      const inserted = rows.reduce((n, row) => n + row.count, 0);
      return {
        inserted,
        duplicates: readings.length - inserted,
        commit: () => {
          this.log.note(rows, ids);
          for (const g of groups) this.remember(g.key, g.state);
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
    // Per device and metric, the groups of this write: two lookups of strings the readings hold
    // and a scan of a few hours, no key built and nothing allocated per reading.
    const byDevice = new Map<string, Map<string, Group[]>>();
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      const start = r.ts - (((r.ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
      let byMetric = byDevice.get(r.deviceId);
      if (!byMetric) byDevice.set(r.deviceId, (byMetric = new Map()));
      let hours = byMetric.get(r.metric);
      if (!hours) byMetric.set(r.metric, (hours = []));
      let g: Group | undefined;
      for (let k = 0; k < hours.length; k++) {
        if (hours[k].start === start) {
          g = hours[k];
          break;
        }
      }
      if (!g) {
        g = this.newGroup(r.deviceId, r.metric, start);
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

  private newGroup(deviceId: string, metric: string, start: number): Group {
    const key = `${deviceId}\u0000${metric}\u0000${start}`;
    const g: Group = { key, deviceId, metric, start, state: null as unknown as HourState, fresh: [] };
    g.state = this.cache.get(key) ?? this.load(g);
    return g;
  }

  /**
   * Moves appended hours into segments and hour summaries, in one transaction of its own: the
   * hours of `keys` from `from` on, until they hold `maxSamples` samples (at least one hour).
   * Returns the index in `keys` after the last hour taken; keys no longer waiting are skipped.
   */
  compact(keys: readonly string[], from = 0, maxSamples = Number.POSITIVE_INFINITY): number {
    const taken: AppendedHour[] = [];
    let samples = 0;
    let next = from;
    for (; next < keys.length && samples < maxSamples; next++) {
      const a = this.log.get(keys[next]);
      if (!a) continue;
      taken.push(a);
      samples += a.samples;
    }
    const done: Compacted[] = [];
    this.db.transaction(() => {
      const segments: Array<{ hour: HourKey; segment: OpenSegment }> = [];
      for (const a of taken) if (a.samples > 0) done.push(this.merge(a, (segment) => segments.push({ hour: a, segment })));
      this.stored.write(segments, done);
      this.log.delete(taken);
    })();
    this.log.forgetHours(taken);
    for (const c of done) {
      const state = this.cache.get(c.key);
      if (state) {
        state.open = c.open;
        state.summary = c.summary;
      }
    }
    return next;
  }

  /** Fills the mirror from the table, once, at start; returns how many rows it holds. */
  recover(): number {
    const rows = this.selectAppended.all() as Array<{ id: number; device: string; metric: string; start: number; samples: Buffer }>;
    for (const row of rows) {
      const hour = {
        key: `${row.device}\u0000${row.metric}\u0000${row.start}`,
        deviceId: row.device,
        metric: row.metric,
        start: row.start,
      };
      // What the segments and the rows read so far hold: a row never repeats them, but a sample
      // stored twice would be counted twice, so this is checked rather than assumed. A row with
      // nothing new is still noted, so that compaction deletes it.
      const { seen } = this.load(hour);
      const fresh = unpackSamples(row.start, row.samples).filter((x) => !seen.has(x.t - row.start));
      this.log.noteRow(hour, packSamples(row.start, fresh), row.id);
    }
    return rows.length;
  }

  /** Forgets what it knows of stored hours; only when nothing is pending (after compact()). */
  forget(): void {
    if (this.log.size > 0) throw new Error('cannot forget stored hours while samples wait for compaction');
    this.cache.clear();
    this.stored.clear();
  }

  /**
   * Writes the hour's appended samples (sorted by time) after its open segment, opening further
   * segments as it fills, and hands each segment written to `segment`; the open segment's bytes
   * and figures are extended, not rebuilt from its samples.
   */
  private merge(a: AppendedHour, segment: (s: OpenSegment) => void): Compacted {
    const cached = this.cache.get(a.key);
    // An hour not in the cache: compaction needs no timestamps, only the stored figures.
    const empty = !cached && this.stored.isEmpty(a);
    const stored = cached ?? { open: empty ? NO_SEGMENT : null, summary: empty ? null : this.stored.summary(a) };
    let open = stored.open ?? this.stored.open(a);
    const packed = a.chunks.length === 1 ? a.chunks[0] : Buffer.concat(a.chunks);
    let added: Summary;
    const fast = extendPacked(open, a.start, packed, segment);
    if (fast) {
      open = fast.open;
      added = fast.added;
    } else {
      const samples = unpackSamples(a.start, packed).sort((x, y) => x.t - y.t);
      let remaining = samples;
      while (remaining.length > 0) {
        if (open.count >= SEGMENT_CAP) open = { seg: open.seg + 1, count: 0, packed: Buffer.alloc(0), summary: null };
        const chunk = remaining.slice(0, SEGMENT_CAP - open.count);
        remaining = remaining.slice(chunk.length);
        open = extend(open, a.start, chunk);
        segment(open);
      }
      added = summarize(samples);
    }
    this.stored.noteWritten(a);
    return { key: a.key, hour: a, open, summary: stored.summary ? mergeSummaries(stored.summary, added) : added };
  }

  /**
   * What the hour holds: its segments' samples and compacted summary, plus its samples in
   * `appended`. An hour after the series' latest in `hours` has no segments: nothing to read.
   */
  private load(hour: HourKey): HourState {
    const { start } = hour;
    const seen = new HourTimes();
    for (const chunk of this.log.get(hour.key)?.chunks ?? []) for (const x of unpackSamples(start, chunk)) seen.add(x.t - start);
    if (this.stored.isEmpty(hour)) return { seen, open: NO_SEGMENT, summary: null };
    this.stored.addOffsets(hour, seen);
    return { seen, open: null, summary: this.stored.summary(hour) };
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

/** Takes a failed write's readings out of their hours' sets again, the last added first. */
function unsee(groups: Group[]): void {
  for (const g of groups) for (let i = g.fresh.length - 1; i >= 0; i--) g.state.seen.delete(g.fresh[i].ts - g.start);
}
