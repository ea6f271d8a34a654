// Embedded store: ingest throughput through the real pipeline into SQLite, and query latency of
// raw pages and aggregates, with whole-hour windows (bucket summaries) against 30-minute windows
// (every sample unpacked) over the same 7 days of data. The reference, in the same run: a bare
// better-sqlite3 loop inserting the same readings as plain rows (WAL, synchronous=FULL,
// transactions of HUB_BATCH_SIZE rows), what SQLite does with no buckets, dedupe or stream heads.
// Both run again with synchronous=NORMAL (no sync per commit; not what the hub runs): the
// difference is what syncing every acked batch costs on this disk. The variants take turns.
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SETTINGS } from '../src/config/settings.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry } from '../src/core/devices.js';
import { EventBus } from '../src/core/events.js';
import { Ingest } from '../src/core/ingest.js';
import { StreamLedger } from '../src/core/streams.js';
import { HubMetrics } from '../src/observability/hub-metrics.js';
import { createLogger } from '../src/observability/logger.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { median, report } from './stats.js';

const DEVICES = 20;
const METRICS = ['temperature', 'humidity', 'power'];
const MESSAGES_PER_DEVICE = 2_000;
const DAY = 86_400_000;

type Level = 'FULL' | 'NORMAL';

async function ingestRun(level: Level): Promise<{ readingsPerSecond: number; store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const store = new SqliteStore(dir, { synchronous: level });
  await store.start();
  const bus = new EventBus();
  const streams = new StreamLedger();
  const devices = new DeviceRegistry(store, streams, bus);
  for (let d = 0; d < DEVICES; d++) await devices.register({ id: `d${d}`, name: `d${d}`, transport: 'mqtt' });
  const ingest = new Ingest(
    { store, devices, streams, bus, metrics: new HubMetrics(), log: createLogger('silent') },
    { batchSize: SETTINGS.batchSize.default, flushIntervalMs: SETTINGS.flushIntervalMs.default, maxPending: 1_000_000 },
  );
  ingest.start();
  const start = Date.now() - 7 * DAY;
  const began = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < MESSAGES_PER_DEVICE; i++) {
    for (let d = 0; d < DEVICES; d++) {
      const ts = start + i * 300_000 + d; // one message every 5 minutes per device: 7 days
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
  const seconds = (performance.now() - began) / 1000;
  await ingest.stop();
  return { readingsPerSecond: (DEVICES * MESSAGES_PER_DEVICE * METRICS.length) / seconds, store, dir };
}

/** The same readings as plain rows in a bare table: the most SQLite gives on this machine. */
function referenceRun(level: Level): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${level}`);
  db.exec('CREATE TABLE readings (device TEXT, metric TEXT, ts INTEGER, value REAL)');
  const insert = db.prepare('INSERT INTO readings VALUES (?, ?, ?, ?)');
  const writeBatch = db.transaction((rows: Array<[string, string, number, number]>) => {
    for (const row of rows) insert.run(...row);
  });
  const start = Date.now() - 7 * DAY;
  const began = performance.now();
  let batch: Array<[string, string, number, number]> = [];
  for (let i = 0; i < MESSAGES_PER_DEVICE; i++) {
    for (let d = 0; d < DEVICES; d++) {
      const ts = start + i * 300_000 + d;
      METRICS.forEach((metric, k) => {
        batch.push([`d${d}`, metric, ts, Math.sin(i / 10 + k)]);
      });
      if (batch.length >= SETTINGS.batchSize.default) {
        writeBatch(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) writeBatch(batch);
  const seconds = (performance.now() - began) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return (DEVICES * MESSAGES_PER_DEVICE * METRICS.length) / seconds;
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

const runs = { FULL: [] as number[], NORMAL: [] as number[] };
const reference = { FULL: [] as number[], NORMAL: [] as number[] };
let kept: { store: SqliteStore; dir: string } | null = null;
for (let i = 0; i < 3; i++) {
  for (const level of ['FULL', 'NORMAL'] as const) {
    const r = await ingestRun(level);
    runs[level].push(r.readingsPerSecond);
    if (kept || level === 'NORMAL') {
      await r.store.stop();
      rmSync(r.dir, { recursive: true, force: true });
    } else kept = r;
    reference[level].push(referenceRun(level));
  }
}
const figures = (rates: number[]) => ({ readingsPerSecondMedian: Math.round(median(rates)), runs: rates.map(Math.round) });
report('store.ingest', { devices: DEVICES, readings: DEVICES * MESSAGES_PER_DEVICE * METRICS.length, ...figures(runs.FULL) });
report('store.ingest-reference-sqlite', figures(reference.FULL));
report('store.ingest-ratio', { hubToBareSqlite: +(median(runs.FULL) / median(reference.FULL)).toFixed(3) });
report('store.ingest-normal', {
  synchronous: 'NORMAL (reference only: the hub runs FULL)',
  ...figures(runs.NORMAL),
  bareSqliteReadingsPerSecondMedian: Math.round(median(reference.NORMAL)),
  hubFullOverNormal: +(median(runs.FULL) / median(runs.NORMAL)).toFixed(3),
  bareFullOverNormal: +(median(reference.FULL) / median(reference.NORMAL)).toFixed(3),
});

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
