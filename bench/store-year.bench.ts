// Embedded store over one year of 1 Hz data for one metric (31.5 million readings): latency of a
// raw one-hour window, of the year at every=1h and at every=1d (whole-hour windows answered from
// bucket summaries), and of a day at every=1m (samples unpacked). Beside it a DSMR-like energy
// counter, one sample every 10 s (3.2 million), asked for its increase per local day in
// Europe/Amsterdam (calendar windows, answered from the hours' rises) and per UTC day. The data is written straight
// through the store, an hour per batch, so the figures are about the query side only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { calendarBoundaries } from '../src/core/calendar.js';
import type { AggregateQuery } from '../src/core/store.js';
import { median, report } from './stats.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DEVICE = 'year-1';
const METRIC = 'power';
const COUNTER = 'energy';

const dir = mkdtempSync(join(tmpdir(), 'bench-store-year-'));
const store = new SqliteStore(dir);
try {
  await store.start();
  await store.saveDevice({
    id: DEVICE,
    name: DEVICE,
    transport: 'mqtt',
    metrics: [{ name: METRIC }, { name: COUNTER, unit: 'kWh', kind: 'counter' }],
    actuators: [],
    presence: 'unknown',
    lastSeen: null,
    createdAt: 0,
  });
  const to = Math.floor(Date.now() / HOUR) * HOUR;
  const from = to - 365 * DAY;
  const seedStarted = performance.now();
  for (let hour = from; hour < to; hour += HOUR) {
    const readings = new Array(3_600 + 360);
    for (let s = 0; s < 3_600; s++) {
      const ts = hour + s * 1_000;
      readings[s] = { deviceId: DEVICE, metric: METRIC, ts, value: 500 + 400 * Math.sin((ts / DAY) * 2 * Math.PI) };
    }
    // The meter's total in kWh, to the watt-hour as a P1 port reports it.
    for (let s = 0; s < 360; s++) {
      const ts = hour + s * 10_000;
      readings[3_600 + s] = { deviceId: DEVICE, metric: COUNTER, ts, value: Math.round((ts - from) / 3_600) / 1_000 };
    }
    await store.writeBatch({ readings, heads: [], lastSeen: [] });
  }
  report('store.year.seed', { readings: 365 * 24 * (3_600 + 360), seconds: Math.round((performance.now() - seedStarted) / 100) / 10 });

  const time = async (run: () => Promise<unknown>, repeats = 15): Promise<number> => {
    // Warm the page cache and the JIT (a dashboard asks the same queries over and over); then
    // the median of repeats.
    for (let i = 0; i < 5; i++) await run();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    return +median(times).toFixed(3);
  };
  const aggregate = (q: Partial<AggregateQuery>) => () =>
    store.queryAggregate({ deviceId: DEVICE, metric: METRIC, from, to, everyMs: HOUR, agg: 'avg', ...q });
  const midHour = from + 180 * DAY;
  const rawHourMedianMs = await time(() =>
    store.queryRaw({ deviceId: DEVICE, metric: METRIC, from: midHour, to: midHour + HOUR, limit: 10_000 }),
  );
  const yearEvery1hMedianMs = await time(aggregate({}));
  const yearEvery1dMedianMs = await time(aggregate({ everyMs: DAY }));
  const dayEvery1mMedianMs = await time(aggregate({ from: midHour, to: midHour + DAY, everyMs: 60_000 }));
  const amsterdamDays = calendarBoundaries(from, to, 'd', 'Europe/Amsterdam', 100_000);
  const yearIncrease1dAmsterdamMedianMs = await time(
    aggregate({ metric: COUNTER, agg: 'increase', everyMs: DAY, boundaries: amsterdamDays }),
  );
  const yearIncrease1dUtcMedianMs = await time(aggregate({ metric: COUNTER, agg: 'increase', everyMs: DAY }));
  const yearAvg1dAmsterdamMedianMs = await time(aggregate({ everyMs: DAY, boundaries: amsterdamDays }));
  report('store.year.query', {
    span: '365 days, one reading per second, one metric',
    rawHourMedianMs,
    yearEvery1hMedianMs,
    yearEvery1dMedianMs,
    dayEvery1mMedianMs,
    counter: 'energy, one reading per 10 s',
    yearIncrease1dAmsterdamMedianMs,
    yearIncrease1dUtcMedianMs,
    yearAvg1dAmsterdamMedianMs,
  });
} finally {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
}
