// Embedded store: ingest throughput through the real pipeline (Ingest, DeviceRegistry and a
// SqliteStore with synchronous=FULL in one process), the latency of store writes under a steady
// feed, and query latency of raw pages and aggregates.
//
// Ingest runs two workloads of 20 devices × 3 metrics, each message carrying one reading per metric:
// - backfill: one message per device every 5 minutes of device time, starting 30 days back, sent
//   as fast as ingest takes them: about 12 samples per hour and series, the worst case for
//   buckets (every compaction opens thousands of new hours).
// - live: one message per device and second of device time, ending now: 1 Hz per series, few
//   hours, each compaction extends the open segments of the current hours.
// Each run writes RUN_READINGS readings into a new data directory, after one untimed warm-up run
// of each workload in the same process, so the figures are the JIT-warm steady state. Each
// figure gives readings/s (wall time) and the process's CPU time per reading, all threads
// included (on a shared machine CPU time varies less than wall time). The reference, in the same run and taking turns with the hub: a bare better-sqlite3 loop inserting
// the same readings as plain rows (WAL, synchronous=FULL, transactions of HUB_BATCH_SIZE rows),
// what SQLite does with no buckets, dedupe or stream heads. What the sync per commit costs is
// store-sync.bench.ts's subject.
//
// store.write-latency feeds a store on its thread (WorkerStore, as the hub runs it) 10,000
// readings/s, one writeBatch every 10 ms without waiting for the one before, and times each call
// until its answer (durable), after FEED_WARMUP_SECONDS untimed: compactions and WAL checkpoints
// show in the tail. The reference is the same feed into the bare loop, one transaction per
// batch, timed the same way.
//
// The queries run over 7 days of the backfill: whole-hour windows (bucket summaries) against
// 30-minute windows (every sample unpacked).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SETTINGS } from '../src/config/settings.js';
import type { Reading } from '../src/core/model.js';
import { DeviceRegistry } from '../src/core/devices.js';
import { EventBus } from '../src/core/events.js';
import { Ingest } from '../src/core/ingest.js';
import { StreamLedger } from '../src/core/streams.js';
import { HubMetrics } from '../src/observability/hub-metrics.js';
import { createLogger } from '../src/observability/logger.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { WorkerStore } from '../src/storage/worker/worker-store.js';
import { median, percentile, report } from './stats.js';

const DEVICES = 20;
const METRICS = ['temperature', 'humidity', 'power'];
const RUN_READINGS = Number(process.env.BENCH_STORE_READINGS ?? 600_000);
const RUNS = Number(process.env.BENCH_STORE_RUNS ?? 3);
const FEED_SECONDS = Number(process.env.BENCH_STORE_FEED_S ?? 20);
/** Untimed seconds of the feed before the timed ones: the store thread starts cold. */
const FEED_WARMUP_SECONDS = 3;
const DAY = 86_400_000;

type Workload = 'backfill' | 'live';

/** Message `i` of device `d`: its device time and its readings' values. */
function messageTime(workload: Workload, messages: number, i: number, d: number, now: number): number {
  if (workload === 'backfill') return now - 30 * DAY + i * 300_000 + d;
  return now - (messages - i) * 1000 + d;
}

interface Rate {
  readingsPerSecond: number;
  /** CPU time of the whole process (every thread) per reading: steadier than wall time on a shared machine. */
  cpuMicrosPerReading: number;
}

async function ingestRun(workload: Workload, readings: number): Promise<Rate & { store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = new SqliteStore(dir);
  await store.start();
  const bus = new EventBus();
  const streams = new StreamLedger();
  const devices = new DeviceRegistry(store, streams, bus);
  for (let d = 0; d < DEVICES; d++) await devices.register({ id: `d${d}`, name: `d${d}`, transport: 'mqtt' });
  const ingest = new Ingest(
    { store, devices, streams, bus, metrics: new HubMetrics(), log: createLogger('silent') },
    { batchSize: SETTINGS.batchSize.default, flushIntervalMs: SETTINGS.flushIntervalMs.default, maxPending: 10_000_000 },
  );
  ingest.start();
  const messages = Math.ceil(readings / (DEVICES * METRICS.length));
  const now = Date.now();
  const began = performance.now();
  const cpu = process.cpuUsage();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < messages; i++) {
    for (let d = 0; d < DEVICES; d++) {
      const ts = messageTime(workload, messages, i, d, now);
      const outcome = ingest.submit({
        deviceId: `d${d}`,
        seq: i,
        source: 'bench',
        readings: METRICS.map((metric, k) => ({ metric, value: Math.sin(i / 10 + k), ts })),
      });
      pending.push(outcome.durable);
    }
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  const rate = rateSince(began, cpu, messages * DEVICES * METRICS.length);
  await ingest.stop();
  return { ...rate, store, dir };
}

function rateSince(began: number, cpu: NodeJS.CpuUsage, readings: number): Rate {
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  return { readingsPerSecond: readings / seconds, cpuMicrosPerReading: (used.user + used.system) / readings };
}

/** A bare table and one transaction per batch of rows: the most SQLite gives on this machine. */
function bareTable(): { write(rows: Array<[string, string, number, number]>): void; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE readings (device TEXT, metric TEXT, ts INTEGER, value REAL)');
  const insert = db.prepare('INSERT INTO readings VALUES (?, ?, ?, ?)');
  const write = db.transaction((rows: Array<[string, string, number, number]>) => {
    for (const row of rows) insert.run(...row);
  });
  return {
    write,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The same readings as plain rows, in transactions of HUB_BATCH_SIZE rows. */
function referenceRun(workload: Workload, readings: number): Rate {
  const bare = bareTable();
  const messages = Math.ceil(readings / (DEVICES * METRICS.length));
  const now = Date.now();
  const began = performance.now();
  const cpu = process.cpuUsage();
  let batch: Array<[string, string, number, number]> = [];
  for (let i = 0; i < messages; i++) {
    for (let d = 0; d < DEVICES; d++) {
      const ts = messageTime(workload, messages, i, d, now);
      METRICS.forEach((metric, k) => {
        batch.push([`d${d}`, metric, ts, Math.sin(i / 10 + k)]);
      });
      if (batch.length >= SETTINGS.batchSize.default) {
        bare.write(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) bare.write(batch);
  const rate = rateSince(began, cpu, messages * DEVICES * METRICS.length);
  bare.close();
  return rate;
}

/** Batch `n` of the steady feed: 100 readings over 500 series (50 devices × 10 metrics), 20 Hz each. */
function feedBatch(n: number, t0: number): Reading[] {
  const out: Reading[] = [];
  for (let j = n * 100; j < (n + 1) * 100; j++) {
    const series = j % 500;
    out.push({ deviceId: `f${series % 50}`, metric: `m${Math.floor(series / 50)}`, ts: t0 + Math.floor(j / 500) * 50, value: j % 977 });
  }
  return out;
}

/**
 * Calls `write` every 10 ms without waiting for the one before; each call's time until it
 * resolved, for the calls after the first FEED_WARMUP_SECONDS.
 */
async function feed(write: (n: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  const calls: Promise<unknown>[] = [];
  const began = performance.now();
  const warm = FEED_WARMUP_SECONDS * 100;
  for (let n = 0; n < warm + FEED_SECONDS * 100; n++) {
    const due = began + n * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    calls.push(write(n).then(() => n >= warm && times.push(performance.now() - t)));
  }
  await Promise.all(calls);
  return times;
}

function tail(times: number[]) {
  return {
    writes: times.length,
    p50Ms: +percentile(times, 50).toFixed(2),
    p99Ms: +percentile(times, 99).toFixed(2),
    p999Ms: +percentile(times, 99.9).toFixed(2),
    maxMs: +Math.max(...times).toFixed(2),
    over20Ms: times.filter((t) => t > 20).length,
  };
}

async function timeQuery(run: () => Promise<unknown>, repeats = 15): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return median(times);
}

const figures = (rates: Rate[]) => ({
  readingsPerSecondMedian: Math.round(median(rates.map((r) => r.readingsPerSecond))),
  runs: rates.map((r) => Math.round(r.readingsPerSecond)),
  cpuMicrosPerReadingMedian: +median(rates.map((r) => r.cpuMicrosPerReading)).toFixed(2),
});

let kept: { store: SqliteStore; dir: string } | null = null;
for (const workload of ['backfill', 'live'] as const) {
  const warm = await ingestRun(workload, 200_000);
  await warm.store.stop();
  rmSync(warm.dir, { recursive: true, force: true });
  referenceRun(workload, 200_000);
  const hub: Rate[] = [];
  const bare: Rate[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await ingestRun(workload, RUN_READINGS);
    hub.push(r);
    if (kept || workload !== 'backfill') {
      await r.store.stop();
      rmSync(r.dir, { recursive: true, force: true });
    } else kept = r;
    bare.push(referenceRun(workload, RUN_READINGS));
  }
  report(`store.ingest-${workload}`, { devices: DEVICES, readingsPerRun: RUN_READINGS, ...figures(hub) });
  report(`store.ingest-${workload}-reference-sqlite`, figures(bare));
  const ratio = median(hub.map((r) => r.readingsPerSecond)) / median(bare.map((r) => r.readingsPerSecond));
  report(`store.ingest-${workload}-ratio`, { hubToBareSqlite: +ratio.toFixed(3) });
}

{
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-feed-'));
  const threaded = new WorkerStore(dir);
  await threaded.start();
  const t0 = Date.now() - (FEED_WARMUP_SECONDS + FEED_SECONDS) * 1000;
  const hubTimes = await feed((n) => threaded.writeBatch({ readings: feedBatch(n, t0), heads: [], lastSeen: [] }));
  await threaded.stop();
  rmSync(dir, { recursive: true, force: true });
  const bare = bareTable();
  const bareTimes = await feed(async (n) =>
    bare.write(feedBatch(n, t0).map((r): [string, string, number, number] => [r.deviceId, r.metric, r.ts, r.value])),
  );
  bare.close();
  report('store.write-latency', { feed: '10,000 readings/s, a write every 10 ms, store on its thread', ...tail(hubTimes) });
  report('store.write-latency-reference-sqlite', { feed: 'the same, bare loop on the main thread', ...tail(bareTimes) });
}

const { store, dir } = kept!;
const to = Date.now();
const from = to - 7 * DAY - 3_600_000;
const rawMs = await timeQuery(() => store.queryRaw({ deviceId: 'd3', metric: 'power', from, to, limit: 1000 }));
const hourlyMs = await timeQuery(() =>
  store.queryAggregate({ deviceId: 'd3', metric: 'power', from: from - (from % 3_600_000), to, everyMs: 3_600_000, agg: 'avg' }),
);
const halfHourMs = await timeQuery(() =>
  store.queryAggregate({ deviceId: 'd3', metric: 'power', from: from - (from % 3_600_000), to, everyMs: 1_800_000, agg: 'avg' }),
);
report('store.query', {
  span: '7 days, one reading per 5 minutes',
  rawPage1000MedianMs: +rawMs.toFixed(3),
  aggregate1hFromSummariesMedianMs: +hourlyMs.toFixed(3),
  aggregate30mFromSamplesMedianMs: +halfHourMs.toFixed(3),
  samplesOverSummariesRatio: +(halfHourMs / hourlyMs).toFixed(2),
});
await store.stop();
rmSync(dir, { recursive: true, force: true });
