// Read side of the MongoDB store. Raw pages stream segments in hour order and sort each hour's
// readings by (ts, metric); aggregates let the server fold whole-bucket summaries into windows
// and fold only the edge buckets' samples here, with the same WindowFolder as the embedded store.
import type { Reading } from '../../core/model.js';
import { InvalidCursorError, type AggregatePoint, type AggregateQuery, type RawPage, type RawQuery } from '../../core/store.js';
import { SampleWork, WindowFolder, afterCursor, bucketFitsWindow, coveredRange, decodeCursor, encodeCursor, gridOf } from '../windows.js';
import { bucketStart } from '../buckets.js';
import { CounterFolder, hourAnswersIncrease, isCounterAggregation, type CounterAggregation } from '../counters.js';
import {
  bucketSamplesQuery,
  bucketSummariesQuery,
  edgeSamplesQuery,
  hourLastQuery,
  hourRisesPipeline,
  latestBeforeQuery,
  rawRangeQuery,
  summaryPipeline,
} from './bucket-documents.js';
import { toNumber, type Doc, type MongoCollection } from './collection.js';

export class MongoQueries {
  constructor(private readonly buckets: MongoCollection) {}

  async raw(q: RawQuery): Promise<RawPage> {
    const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (q.cursor !== undefined && cursor === null) throw new InvalidCursorError();
    const from = cursor ? Math.max(q.from, cursor.ts) : q.from;
    const { filter, sort, projection } = rawRangeQuery(q.deviceId, q.metric, from, q.to);
    const out: Reading[] = [];
    let hour: number | null = null;
    let hourReadings: Reading[] = [];
    for await (const doc of this.buckets.find(filter, { sort, projection })) {
      const start = toNumber(doc.s);
      if (start !== hour) {
        out.push(...byTimeThenMetric(hourReadings));
        hourReadings = [];
        if (out.length > q.limit) break;
        hour = start;
      }
      for (const s of samplesOf(doc)) {
        if (s.t < from || s.t >= q.to) continue;
        if (cursor && !afterCursor(s.t, doc.m as string, cursor)) continue;
        hourReadings.push({ deviceId: q.deviceId, metric: doc.m as string, ts: s.t, value: s.v });
      }
    }
    if (out.length <= q.limit) out.push(...byTimeThenMetric(hourReadings));
    if (out.length <= q.limit) return { readings: out };
    const page = out.slice(0, q.limit);
    const last = page[page.length - 1];
    return { readings: page, nextCursor: encodeCursor(last.ts, last.metric) };
  }

  async aggregate(q: AggregateQuery): Promise<AggregatePoint[]> {
    if (isCounterAggregation(q.agg)) return this.increase(q, q.agg);
    const folder = new WindowFolder(gridOf(q), q.from, q.to);
    if (!coveredRange(q)) {
      await this.foldCutHours(q, folder);
      return folder.points(q.agg);
    }
    const pipeline = summaryPipeline(q);
    if (pipeline) {
      for (const w of await this.buckets.aggregate(pipeline).toArray()) {
        const id = w._id as { m: string; w: unknown };
        const first = w.f as { t: unknown; v: unknown };
        const last = w.l as { t: unknown; v: unknown };
        folder.addSummary(id.m, toNumber(id.w), {
          count: toNumber(w.n),
          sum: toNumber(w.u),
          min: toNumber(w.lo),
          max: toNumber(w.hi),
          firstT: toNumber(first.t),
          firstV: toNumber(first.v),
          lastT: toNumber(last.t),
          lastV: toNumber(last.v),
        });
      }
    }
    const edges = edgeSamplesQuery(q);
    for await (const doc of this.buckets.find(edges.filter, { projection: edges.projection })) {
      for (const s of samplesOf(doc)) folder.addSample(doc.m as string, s.t, s.v);
    }
    return folder.points(q.agg);
  }

  private increase(q: AggregateQuery, agg: CounterAggregation): Promise<AggregatePoint[]> {
    return increaseOf(this.buckets, q, agg);
  }

  /** Windows that are not whole hours: as the embedded store (sqlite/queries.ts foldCutHours). */
  private async foldCutHours(q: AggregateQuery, folder: WindowFolder): Promise<void> {
    const work = new SampleWork();
    const grid = gridOf(q);
    const summaries = bucketSummariesQuery(q);
    for await (const doc of this.buckets.find(summaries.filter, { projection: summaries.projection })) {
      const start = toNumber(doc.s);
      const metric = doc.m as string;
      if (!bucketFitsWindow(start, grid, q.from, q.to)) {
        work.add(metric, start, toNumber(doc.n));
        continue;
      }
      const first = doc.f as { t: unknown; v: unknown };
      const last = doc.l as { t: unknown; v: unknown };
      folder.addSummary(metric, start, {
        count: toNumber(doc.n),
        sum: toNumber(doc.u),
        min: toNumber(doc.lo),
        max: toNumber(doc.hi),
        firstT: toNumber(first.t),
        firstV: toNumber(first.v),
        lastT: toNumber(last.t),
        lastV: toNumber(last.v),
      });
    }
    work.check(q.maxSamples);
    if (work.buckets.length === 0) return;
    const needed = new Set(work.buckets.map((b) => `${b.metric}@${b.start}`));
    const samples = bucketSamplesQuery(q, [...new Set(work.buckets.map((b) => b.start))]);
    for await (const doc of this.buckets.find(samples.filter, { projection: samples.projection })) {
      if (!needed.has(`${doc.m as string}@${toNumber(doc.s)}`)) continue;
      for (const s of samplesOf(doc)) folder.addSample(doc.m as string, s.t, s.v);
    }
  }
}

/** agg=increase/rate: as the embedded store (sqlite/queries.ts increase), hours from hourRisesPipeline. */
async function increaseOf(buckets: MongoCollection, q: AggregateQuery, agg: CounterAggregation): Promise<AggregatePoint[]> {
  const grid = gridOf(q);
  const folder = new CounterFolder(grid, q.from, q.to);
  const work = new SampleWork();
  const metrics = new Set<string>();
  for (const h of await buckets.aggregate(hourRisesPipeline(q)).toArray()) {
    const { m: metric, s } = h._id as { m: string; s: unknown };
    const start = toNumber(s);
    const first = h.f as { t: unknown; v: unknown };
    const last = h.l as { t: unknown; v: unknown };
    const known = (h.x === null || h.x === undefined) && toNumber(h.k) === toNumber(h.g);
    const summary = {
      count: toNumber(h.n),
      sum: 0,
      min: 0,
      max: 0,
      firstT: toNumber(first.t),
      firstV: toNumber(first.v),
      lastT: toNumber(last.t),
      lastV: toNumber(last.v),
      rise: known ? toNumber(h.r) : null,
    };
    metrics.add(metric);
    if (hourAnswersIncrease(start, summary, grid, q.from, q.to)) folder.addHour(metric, summary);
    else work.add(metric, start, summary.count);
  }
  work.check(q.maxSamples);
  if (work.buckets.length > 0) {
    const needed = new Set(work.buckets.map((b) => `${b.metric}@${b.start}`));
    const samples = bucketSamplesQuery(q, [...new Set(work.buckets.map((b) => b.start))]);
    for await (const doc of buckets.find(samples.filter, { projection: samples.projection })) {
      if (!needed.has(`${doc.m as string}@${toNumber(doc.s)}`)) continue;
      for (const x of samplesOf(doc)) folder.addSample(doc.m as string, x.t, x.v);
    }
  }
  const firstHour = bucketStart(q.from);
  for (const metric of metrics) {
    const latest = latestBeforeQuery(q.deviceId, metric, firstHour);
    const [segment] = await buckets
      .find(latest.filter, { sort: latest.sort, limit: latest.limit, projection: latest.projection })
      .toArray();
    if (!segment) continue;
    const hour = hourLastQuery(q.deviceId, metric, toNumber(segment.s));
    let base: { t: number; v: number } | null = null;
    for (const doc of await buckets.find(hour.filter, { projection: hour.projection }).toArray()) {
      const l = doc.l as { t: unknown; v: unknown };
      if (base === null || toNumber(l.t) > base.t) base = { t: toNumber(l.t), v: toNumber(l.v) };
    }
    if (base) folder.addSample(metric, base.t, base.v);
  }
  return folder.points(agg);
}

function samplesOf(doc: Doc): Array<{ t: number; v: number }> {
  const start = toNumber(doc.s);
  const offsets = doc.o as unknown[];
  const values = doc.v as unknown[];
  return offsets.map((o, i) => ({ t: start + toNumber(o), v: toNumber(values[i]) }));
}

function byTimeThenMetric(readings: Reading[]): Reading[] {
  return readings.sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
}
