// Embedded store: ingest throughput through the real pipeline (Ingest, DeviceRegistry and the
// SQLite store with synchronous=FULL, in one process), the latency of store writes under a steady
// feed, and query latency of raw pages and aggregates.
//
// Ingest runs two workloads of 20 devices × 3 metrics, each message carrying one reading per metric:
// - backfill: one message per device every 5 minutes of device time, starting 30 days back, sent
//   as fast as ingest takes them: about 12 samples per hour and series, the worst case for
//   buckets (every compaction opens thousands of new hours).
// - live: one message per device and second of device time, ending now: 1 Hz per series, few
//   hours, each compaction extends the open segments of the current hours.
// Devices send ahead of their durable acks up to a window of messages, as a device with a send
// buffer does, so the hub holds a backlog of unwritten readings while the store writes. Each
// workload is fed three ways (FEEDS): the store on its own thread as the hub runs it by default,
// on the event loop (HUB_STORE_THREAD=main), and on its thread with a ten times deeper backlog.
// Each run writes RUN_READINGS readings into a new data directory, after one untimed warm-up run
// of each in the same process, so the figures are the JIT-warm steady state. Each figure gives
// readings/s (wall time) and the process's CPU time per reading, all threads included (on a
// shared machine CPU time varies less than wall time). The reference, in the same run and taking
// turns with the hub: a bare better-sqlite3 loop inserting the same readings as plain rows (WAL,
// synchronous=FULL, transactions of HUB_BATCH_SIZE rows), what SQLite does with no buckets,
// dedupe or stream heads. What the sync per commit costs is store-sync.bench.ts's subject.
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

/**
 * How a run feeds the hub. `placement`: where the store runs, as HUB_STORE_THREAD says (its own
 * thread, the default, or the event loop). `window`: the messages each device sends ahead of its
 * durable acks, as a device with a send buffer does; the hub holds up to DEVICES × window
 * messages unwritten (its backlog), within the default HUB_MAX_PENDING.
 */
interface Feed {
  placement: 'worker' | 'main';
  window: number;
}

async function ingestRun(
  workload: Workload,
  readings: number,
  feed: Feed,
): Promise<Rate & { store: SqliteStore | WorkerStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = feed.placement === 'worker' ? new WorkerStore(dir) : new SqliteStore(dir);
  await store.start();
  const bus = new EventBus();
  const streams = new StreamLedger();
  const devices = new DeviceRegistry(store, streams, bus);
  for (let d = 0; d < DEVICES; d++) await devices.register({ id: `d${d}`, name: `d${d}`, transport: 'mqtt' });
  const ingest = new Ingest(
    { store, devices, streams, bus, metrics: new HubMetrics(), log: createLogger('silent') },
    { batchSize: SETTINGS.batchSize.default, flushIntervalMs: SETTINGS.flushIntervalMs.default, maxPending: SETTINGS.maxPending.default },
  );
  ingest.start();
  const messages = Math.ceil(readings / (DEVICES * METRICS.length));
  const now = Date.now();
  const began = performance.now();
  const cpu = process.cpuUsage();
  // Per round of messages (one from each device), the last one's durable ack: writes are in order,
  // so it stands for the whole round.
  const rounds: Array<Promise<unknown> | undefined> = new Array(messages);
  for (let i = 0; i < messages; i++) {
    if (i >= feed.window) {
      await rounds[i - feed.window];
      rounds[i - feed.window] = undefined;
    }
    for (let d = 0; d < DEVICES; d++) {
      const ts = messageTime(workload, messages, i, d, now);
      const outcome = ingest.submit({
        deviceId: `d${d}`,
        seq: i,
        source: 'bench',
        readings: METRICS.map((metric, k) => ({ metric, value: Math.sin(i / 10 + k), ts })),
      });
      if (outcome.status !== 'accepted') throw new Error(`message ${i} of d${d}: ${outcome.status} ${outcome.detail ?? ''}`);
      if (d === DEVICES - 1) rounds[i] = outcome.durable;
    }
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await rounds[messages - 1];
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

/** The hub's ways of being fed, each reported as store.ingest-<workload><suffix>. */
const FEEDS: Array<Feed & { suffix: string; store: string; backlog: string }> = [
  { suffix: '', placement: 'worker', window: 100, store: 'on its own thread (the default)', backlog: 'up to 6,000 readings' },
  {
    suffix: '-event-loop',
    placement: 'main',
    window: 100,
    store: 'on the event loop (HUB_STORE_THREAD=main)',
    backlog: 'up to 6,000 readings',
  },
  {
    suffix: '-deep-backlog',
    placement: 'worker',
    window: 1_000,
    store: 'on its own thread (the default)',
    backlog: 'up to 60,000 readings',
  },
];

let kept: { store: SqliteStore | WorkerStore; dir: string } | null = null;
for (const workload of ['backfill', 'live'] as const) {
  for (const feed of FEEDS) {
    const warm = await ingestRun(workload, 200_000, feed);
    await warm.store.stop();
    rmSync(warm.dir, { recursive: true, force: true });
  }
  referenceRun(workload, 200_000);
  const hub: Rate[][] = FEEDS.map(() => []);
  const bare: Rate[] = [];
  // They take turns, so a slow stretch of the shared machine falls on each of them.
  for (let i = 0; i < RUNS; i++) {
    for (const [f, feed] of FEEDS.entries()) {
      const r = await ingestRun(workload, RUN_READINGS, feed);
      hub[f]!.push(r);
      if (kept || workload !== 'backfill' || feed.placement !== 'main') {
        await r.store.stop();
        rmSync(r.dir, { recursive: true, force: true });
      } else kept = r;
    }
    bare.push(referenceRun(workload, RUN_READINGS));
  }
  const bareMedian = median(bare.map((r) => r.readingsPerSecond));
  for (const [f, feed] of FEEDS.entries()) {
    report(`store.ingest-${workload}${feed.suffix}`, {
      devices: DEVICES,
      readingsPerRun: RUN_READINGS,
      store: feed.store,
      messagesAheadPerDevice: feed.window,
      backlog: feed.backlog,
      ...figures(hub[f]!),
      toBareSqlite: +(median(hub[f]!.map((r) => r.readingsPerSecond)) / bareMedian).toFixed(3),
    });
  }
  report(`store.ingest-${workload}-reference-sqlite`, figures(bare));
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
