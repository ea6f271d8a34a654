// What syncing every commit costs. The embedded store runs WAL with synchronous=FULL so that a
// batch is on disk before its devices are acked; NORMAL would sync only at checkpoints. This
// measures, in one run and interleaved round by round (the machine is shared, so the variants see
// the same noise), writeBatch throughput and per-batch flush latency with FULL and with NORMAL for
// several batch sizes, and a bare better-sqlite3 insert loop (one row per reading, one
// transaction per batch) under both levels as the floor the store is compared with.
// The disk measured is the one under BENCH_STORE_DIR (default: the OS temp directory); on a
// tmpfs a sync costs nothing and the comparison says nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Reading } from '../src/core/model.js';
import type { WriteBatch } from '../src/core/store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { median, percentile, report } from './stats.js';

type Level = 'FULL' | 'NORMAL';

const BATCH_SIZES = [1, 10, 100, 500];
const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS ?? 7);
const WARMUP_BATCHES = 5;
const DEVICES = 20;
const METRICS = ['temperature', 'humidity', 'power'];
const BASE_DIR = process.env.BENCH_STORE_DIR ?? tmpdir();

/** Enough batches per run for a p99, and about the same number of readings for large batches. */
function batchesFor(size: number): number {
  return Math.max(40, Math.min(300, Math.ceil(20_000 / size)));
}

/**
 * Batch number `n` as the ingest pipeline would hand it over: readings spread over the devices
 * and metrics at increasing timestamps (one per second per series), with each device's new
 * stream head and last-seen time.
 */
function makeBatch(n: number, size: number, t0: number): WriteBatch {
  const readings: Reading[] = [];
  const heads = new Map<string, number>();
  for (let i = 0; i < size; i++) {
    const k = n * size + i;
    const deviceId = `d${k % DEVICES}`;
    const series = Math.floor(k / DEVICES);
    const metric = METRICS[series % METRICS.length];
    const ts = t0 + Math.floor(series / METRICS.length) * 1000;
    readings.push({ deviceId, metric, ts, value: Math.sin(k / 10) });
    heads.set(deviceId, k);
  }
  const lastSeen = [...heads.keys()].map((deviceId) => ({ deviceId, ts: readings[readings.length - 1].ts }));
  return { readings, heads: [...heads].map(([deviceId, h]) => ({ deviceId, h })), lastSeen };
}

interface Run {
  seconds: number;
  latenciesMs: number[];
}

/** One way of writing: run() sets up a fresh database, writes and times the batches, then removes it. */
interface Variant {
  name: string;
  run(size: number, batches: number): Promise<Run>;
}

async function timeBatches(batches: WriteBatch[], write: (b: WriteBatch) => Promise<unknown> | unknown): Promise<Run> {
  for (const b of batches.slice(0, WARMUP_BATCHES)) await write(b);
  const latenciesMs: number[] = [];
  const began = performance.now();
  for (const b of batches.slice(WARMUP_BATCHES)) {
    const t = performance.now();
    await write(b);
    latenciesMs.push(performance.now() - t);
  }
  return { seconds: (performance.now() - began) / 1000, latenciesMs };
}

function storeVariant(level: Level): Variant {
  return {
    name: `store${level === 'FULL' ? 'Full' : 'Normal'}`,
    async run(size, batches) {
      const dir = mkdtempSync(join(BASE_DIR, 'bench-sync-'));
      const store = new SqliteStore(dir, { synchronous: level });
      await store.start();
      try {
        const want = level === 'FULL' ? 2 : 1;
        if (store.durability().synchronous !== want) throw new Error(`store did not take synchronous=${level}`);
        for (let d = 0; d < DEVICES; d++) {
          await store.saveDevice({
            id: `d${d}`,
            name: `d${d}`,
            transport: 'mqtt',
            metrics: [],
            actuators: [],
            presence: 'online',
            lastSeen: null,
            createdAt: 0,
          });
        }
        const t0 = Date.UTC(2026, 0, 1);
        const all = Array.from({ length: batches + WARMUP_BATCHES }, (_, n) => makeBatch(n, size, t0));
        return await timeBatches(all, (b) => store.writeBatch(b));
      } finally {
        await store.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The floor: the same readings as plain rows, one prepared INSERT each, one transaction per batch. */
function bareVariant(level: Level): Variant {
  return {
    name: `bare${level === 'FULL' ? 'Full' : 'Normal'}`,
    async run(size, batches) {
      const dir = mkdtempSync(join(BASE_DIR, 'bench-sync-bare-'));
      const db = new BetterSqlite3(join(dir, 'bare.db'));
      try {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${level}`);
        db.exec('CREATE TABLE readings (device TEXT, metric TEXT, ts INTEGER, value REAL, PRIMARY KEY (device, metric, ts)) WITHOUT ROWID');
        const insert = db.prepare('INSERT OR IGNORE INTO readings VALUES (?, ?, ?, ?)');
        const write = db.transaction((b: WriteBatch) => {
          for (const x of b.readings) insert.run(x.deviceId, x.metric, x.ts, x.value);
        });
        const t0 = Date.UTC(2026, 0, 1);
        const all = Array.from({ length: batches + WARMUP_BATCHES }, (_, n) => makeBatch(n, size, t0));
        return await timeBatches(all, write);
      } finally {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const variants = [storeVariant('FULL'), storeVariant('NORMAL'), bareVariant('FULL'), bareVariant('NORMAL')];
const round3 = (x: number) => +x.toFixed(3);

for (const size of BATCH_SIZES) {
  const batches = batchesFor(size);
  const perVariant = new Map(variants.map((v) => [v.name, { rates: [] as number[], latencies: [] as number[] }]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no variant always runs first (after a checkpoint, say).
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length];
      const { seconds, latenciesMs } = await v.run(size, batches);
      const acc = perVariant.get(v.name)!;
      acc.rates.push((size * batches) / seconds);
      acc.latencies.push(...latenciesMs);
    }
  }
  const figures: Record<string, { readingsPerSecondMedian: number; flushMsMedian: number; flushMsP99: number }> = {};
  for (const [name, { rates, latencies }] of perVariant) {
    figures[name] = {
      readingsPerSecondMedian: Math.round(median(rates)),
      flushMsMedian: round3(median(latencies)),
      flushMsP99: round3(percentile(latencies, 99)),
    };
  }
  const { storeFull, storeNormal, bareFull, bareNormal } = figures;
  report('store.sync', {
    batchSize: size,
    batchesPerRun: batches,
    rounds: ROUNDS,
    ...figures,
    // Below 1: FULL is slower. The flush ratios are FULL over NORMAL (above 1: FULL takes longer).
    throughputFullOverNormal: +(storeFull.readingsPerSecondMedian / storeNormal.readingsPerSecondMedian).toFixed(3),
    flushMedianFullOverNormal: +(storeFull.flushMsMedian / storeNormal.flushMsMedian).toFixed(2),
    flushP99FullOverNormal: +(storeFull.flushMsP99 / storeNormal.flushMsP99).toFixed(2),
    bareThroughputFullOverNormal: +(bareFull.readingsPerSecondMedian / bareNormal.readingsPerSecondMedian).toFixed(3),
    // How far the store is from the bare loop at the same level (its buckets, heads and summaries).
    storeOverBareThroughputFull: +(storeFull.readingsPerSecondMedian / bareFull.readingsPerSecondMedian).toFixed(3),
    storeOverBareThroughputNormal: +(storeNormal.readingsPerSecondMedian / bareNormal.readingsPerSecondMedian).toFixed(3),
    dir: BASE_DIR,
  });
}
