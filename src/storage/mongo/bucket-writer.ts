// Appends samples to bucket segments with one bulkWrite of upserts per flush.
//
// Duplicate suppression: MongoDB cannot tell from `$push` alone whether a sample is already in a
// segment, so the writer keeps, per (device, metric, hour) it writes, the stored timestamps and
// the open segment's number and fill, loaded with one query for all hours missing from the cache
// (like the embedded store's BucketWriter). Only samples not in that set are pushed. The store
// sends the updates inside the flush's transaction (transactions.ts), so the cache may only learn
// them once that commits: stage() returns the new states and keep() records them; drop() forgets
// the hours touched when the transaction aborted or its outcome is unknown, so the retry reloads
// what the server really holds. The update filters repeat the decision ($nin on the offsets, room
// left in the segment) and the unique index on (d, m, s, g) turns any write based on a stale
// cache into an error instead of a second copy (see segmentAppend), after which the same
// reload-and-retry path applies.
import { SEGMENT_CAP, groupByBucket, riseBetween, seriesKey, type Sample } from '../buckets.js';
import type { Reading } from '../../core/model.js';
import type { WriteResult } from '../../core/store.js';
import { hourStateQuery, segmentAppend } from './bucket-documents.js';
import { toNumber, type BulkUpdate, type MongoCollection, type MongoSession } from './collection.js';

interface HourState {
  lastSeg: number;
  lastCount: number;
  seen: Set<number>;
  /** The hour's latest sample, the base of the next rise; null while the hour is empty. */
  last: Sample | null;
  /** Every segment keeps its rise and all came in time order: appends keep adding to it. */
  ordered: boolean;
}

type Group = { deviceId: string; metric: string; start: number; samples: Sample[] };

/** Segment updates sent but not yet known to be committed. */
export interface StagedWrite {
  result: WriteResult;
  /** The transaction committed: the cache learns the new states. */
  keep(): void;
  /** It did not, or may not have: forget the hours touched, to be reloaded on the next write. */
  drop(): void;
}

const HOURS_PER_STATE_QUERY = 500;

export class MongoBucketWriter {
  private readonly cache = new Map<string, HourState>();

  constructor(
    private readonly buckets: MongoCollection,
    private readonly maxCachedHours = 4096,
  ) {}

  /** Writes without a transaction and updates the cache at once. */
  async write(readings: readonly Reading[]): Promise<WriteResult> {
    const staged = await this.stage(readings);
    staged.keep();
    return staged.result;
  }

  /** Loads and writes in `session`'s transaction, if given; the caller settles the cache. */
  async stage(readings: readonly Reading[], session?: MongoSession): Promise<StagedWrite> {
    const groups = [...groupByBucket(readings).values()];
    const states = await this.statesFor(groups, session);
    const ops: BulkUpdate[] = [];
    const after = new Map<string, HourState>();
    let inserted = 0;
    for (const g of groups) {
      const key = seriesKey(g.deviceId, g.metric, g.start);
      const state = states.get(key)!;
      const fresh = g.samples.filter((x) => !state.seen.has(x.t));
      inserted += fresh.length;
      after.set(key, fresh.length === 0 ? state : this.append(g, state, fresh, ops));
    }
    const drop = () => {
      for (const key of after.keys()) this.cache.delete(key);
    };
    if (ops.length > 0) {
      try {
        await this.buckets.bulkWrite(ops, { ordered: false, session });
      } catch (err) {
        drop();
        throw err;
      }
    }
    return {
      result: { inserted, duplicates: readings.length - inserted },
      keep: () => {
        for (const [key, state] of after) this.remember(key, state);
      },
      drop,
    };
  }

  /** Retention deleted segments behind the cache's back. */
  forget(): void {
    this.cache.clear();
  }

  /**
   * Samples fill segments in arrival order. While they also come in time order, each segment's `r`
   * adds the rises of its samples from the one before; a sample out of order marks the hour (`x`).
   */
  private append(g: Group, state: HourState, fresh: Sample[], ops: BulkUpdate[]): HourState {
    let { lastSeg, lastCount, last } = state;
    const ordered = state.ordered && fresh.every((x, i) => x.t > (i === 0 ? (last?.t ?? -Infinity) : fresh[i - 1].t));
    for (let i = 0; i < fresh.length; ) {
      if (lastCount >= SEGMENT_CAP) {
        lastSeg += 1;
        lastCount = 0;
      }
      const chunk = fresh.slice(i, i + SEGMENT_CAP - lastCount);
      let rise = 0;
      for (const x of chunk) {
        if (last !== null) rise += riseBetween(last.v, x.v);
        last = x;
      }
      ops.push({ updateOne: { ...segmentAppend(g.deviceId, g.metric, g.start, lastSeg, chunk, ordered ? rise : null), upsert: true } });
      lastCount += chunk.length;
      i += chunk.length;
    }
    const seen = new Set(state.seen);
    for (const x of fresh) seen.add(x.t);
    let latest = state.last;
    for (const x of fresh) if (latest === null || x.t > latest.t) latest = x;
    return { lastSeg, lastCount, seen, last: latest, ordered };
  }

  private async statesFor(groups: Group[], session?: MongoSession): Promise<Map<string, HourState>> {
    const states = new Map<string, HourState>();
    const missing: Group[] = [];
    for (const g of groups) {
      const key = seriesKey(g.deviceId, g.metric, g.start);
      const cached = this.cache.get(key);
      if (cached) states.set(key, cached);
      else {
        states.set(key, { lastSeg: 0, lastCount: 0, seen: new Set(), last: null, ordered: true });
        missing.push(g);
      }
    }
    for (let i = 0; i < missing.length; i += HOURS_PER_STATE_QUERY) {
      const { filter, projection } = hourStateQuery(missing.slice(i, i + HOURS_PER_STATE_QUERY));
      for (const doc of await this.buckets.find(filter, { projection, session }).toArray()) {
        const start = toNumber(doc.s);
        const state = states.get(seriesKey(doc.d as string, doc.m as string, start))!;
        for (const offset of doc.o as unknown[]) state.seen.add(start + toNumber(offset));
        const last = doc.l as { t: unknown; v: unknown };
        if (state.last === null || toNumber(last.t) > state.last.t) state.last = { t: toNumber(last.t), v: toNumber(last.v) };
        if (doc.r === undefined || doc.x !== undefined) state.ordered = false;
        const seg = toNumber(doc.g);
        if (seg >= state.lastSeg) {
          state.lastSeg = seg;
          state.lastCount = toNumber(doc.n);
        }
      }
    }
    return states;
  }

  private remember(key: string, state: HourState): void {
    this.cache.delete(key); // re-insert so Map order doubles as least-recently-used order
    this.cache.set(key, state);
    while (this.cache.size > this.maxCachedHours) this.cache.delete(this.cache.keys().next().value as string);
  }
}
