// The store contract: one set of cases every adapter must pass. Each *.test.ts that imports this
// runs it against one adapter (SQLite always; MongoDB over mingo always; a live MongoDB when
// MONGODB_URI is set). The embedded SQLite store is the reference behaviour.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Command, Device, PresenceChange, Reading } from '../../src/core/model.js';
import { HOUR_MS, SEGMENT_CAP } from '../../src/storage/buckets.js';
import { InvalidCursorError, QueryTooLargeError, type Aggregation, type Store, type WriteBatch } from '../../src/core/store.js';
import { calendarBoundaries } from '../../src/core/calendar.js';
import { teardown } from '../helpers/teardown.js';

/**
 * One case's data. The fixture maker gets the test's context and removes the data after the test
 * (with teardown(t, ...) from helpers/teardown.ts); every store opened is stopped before that.
 */
export interface StoreFixture {
  /** A new adapter instance over this fixture's data, opened (calling it again reopens the same data). */
  open(): Promise<Store>;
}

const T0 = Date.UTC(2026, 10, 20, 10);
const MIN = 60_000;
const r = (ts: number, value: number, metric = 'temp', deviceId = 'dev-1'): Reading => ({ deviceId, metric, ts, value });
const batch = (readings: Reading[], extra: Partial<WriteBatch> = {}): WriteBatch => ({ readings, heads: [], lastSeen: [], ...extra });

function device(id: string, lastSeen: number | null = null): Device {
  return {
    id,
    name: `Device ${id}`,
    transport: 'mqtt',
    metrics: [{ name: 'temp', unit: '°C' }],
    actuators: [{ name: 'relay', type: 'relay' }],
    presence: 'online',
    lastSeen,
    createdAt: T0,
  };
}

/** Explicit windows: [b[i], b[i + 1]). */
type Windows = readonly number[];
const startOf = (every: number | Windows, t: number) =>
  typeof every === 'number' ? t - (t % every) : [...every].reverse().find((b) => b <= t)!;
const lengthOf = (every: number | Windows, start: number) => (typeof every === 'number' ? every : every[every.indexOf(start) + 1] - start);

/** Aggregates computed the slow, obvious way, to compare any adapter against. */
function expectedWindows(
  readings: Reading[],
  from: number,
  to: number,
  every: number | Windows,
  agg: Exclude<Aggregation, 'increase' | 'rate'>,
) {
  const windows = new Map<string, { metric: string; ts: number; rs: Reading[] }>();
  for (const x of readings) {
    if (x.ts < from || x.ts >= to) continue;
    const ts = startOf(every, x.ts);
    const key = `${x.metric}/${ts}`;
    if (!windows.has(key)) windows.set(key, { metric: x.metric, ts, rs: [] });
    windows.get(key)!.rs.push(x);
  }
  return [...windows.values()]
    .sort((a, b) => a.ts - b.ts || a.metric.localeCompare(b.metric))
    .map(({ metric, ts, rs }) => {
      const byTime = [...rs].sort((a, b) => a.ts - b.ts);
      const values = rs.map((x) => x.value);
      const sum = values.reduce((a, b) => a + b, 0);
      const value = {
        avg: sum / rs.length,
        min: Math.min(...values),
        max: Math.max(...values),
        sum,
        count: rs.length,
        first: byTime[0].value,
        last: byTime[byTime.length - 1].value,
      }[agg];
      return { metric, ts, value, count: rs.length };
    });
}

/**
 * increase/rate the obvious way: over each metric's samples in time order, every rise (a drop is a
 * reset: the new value is the rise) goes to the window of the later sample.
 */
function expectedIncrease(readings: Reading[], from: number, to: number, every: number | Windows, agg: 'increase' | 'rate') {
  const points: Array<{ metric: string; ts: number; value: number; count: number }> = [];
  for (const metric of [...new Set(readings.map((x) => x.metric))]) {
    const windows = new Map<number, { value: number; count: number }>();
    let prev: number | null = null;
    for (const x of readings.filter((y) => y.metric === metric).sort((a, b) => a.ts - b.ts)) {
      if (x.ts >= to) break;
      if (x.ts >= from) {
        const ts = startOf(every, x.ts);
        const w = windows.get(ts) ?? { value: 0, count: 0 };
        windows.set(ts, w);
        if (prev !== null) w.value += x.value >= prev ? x.value - prev : x.value;
        w.count += 1;
      }
      prev = x.value;
    }
    for (const [ts, w] of windows)
      points.push({ metric, ts, value: agg === 'rate' ? w.value / (lengthOf(every, ts) / 1000) : w.value, count: w.count });
  }
  return points.sort((a, b) => a.ts - b.ts || a.metric.localeCompare(b.metric));
}

/** A counter's samples every `stepMs` from `from`, rising by quarters, reset to a small value at each index in `resets`. */
function counterSamples(metric: string, from: number, n: number, stepMs: number, resets: number[] = []): Reading[] {
  let value = 100;
  return Array.from({ length: n }, (_, i) => {
    value = resets.includes(i) ? i % 4 : value + ((i * 13) % 7) / 4;
    return r(from + i * stepMs, value, metric);
  });
}

export function storeContract(name: string, makeFixture: (t: TestContext) => Promise<StoreFixture>): void {
  const withStore = (title: string, body: (store: Store, fixture: StoreFixture) => Promise<void>) =>
    test(title, async (t) => {
      const made = await makeFixture(t);
      // Every store the case opens, the first and any reopened one, is stopped after the test.
      const fixture: StoreFixture = {
        async open() {
          const store = await made.open();
          teardown(t, () => store.stop());
          return store;
        },
      };
      await body(await fixture.open(), fixture);
    });

  describe(`store contract: ${name}`, () => {
    withStore('reports healthy once open', async (store) => {
      assert.equal((await store.health()).ok, true);
    });

    withStore('raw readings come back in (ts, metric) order across hours, with `to` exclusive', async (store) => {
      const readings = [r(T0 + HOUR_MS + 5, 3, 'b'), r(T0 + 5, 1, 'b'), r(T0 + 5, 2, 'a'), r(T0 + 2 * HOUR_MS, 9, 'a'), r(T0 - 1, 0, 'a')];
      const result = await store.writeBatch(batch(readings));
      assert.deepEqual(result, { inserted: 5, duplicates: 0 });
      const page = await store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + 2 * HOUR_MS, limit: 100 });
      assert.deepEqual(
        page.readings.map((x) => [x.ts - T0, x.metric, x.value]),
        [
          [5, 'a', 2],
          [5, 'b', 1],
          [HOUR_MS + 5, 'b', 3],
        ],
      );
      assert.equal(page.nextCursor, undefined);
      const onlyB = await store.queryRaw({ deviceId: 'dev-1', metric: 'b', from: T0 - HOUR_MS, to: T0 + 3 * HOUR_MS, limit: 100 });
      assert.deepEqual(
        onlyB.readings.map((x) => x.value),
        [1, 3],
      );
      const other = await store.queryRaw({ deviceId: 'dev-2', from: T0 - HOUR_MS, to: T0 + 3 * HOUR_MS, limit: 100 });
      assert.deepEqual(other.readings, []);
    });

    withStore(
      'a reading with the same device, metric and timestamp is stored once, within and across batches and restarts',
      async (store, fixture) => {
        assert.deepEqual(await store.writeBatch(batch([r(T0, 1), r(T0, 2), r(T0 + 1, 3), r(T0, 1, 'hum')])), {
          inserted: 3,
          duplicates: 1,
        });
        assert.deepEqual(await store.writeBatch(batch([r(T0, 5), r(T0 + 1, 3), r(T0 + 2, 4)])), { inserted: 1, duplicates: 2 });
        await store.stop();
        const reopened = await fixture.open();
        assert.deepEqual(await reopened.writeBatch(batch([r(T0, 7), r(T0 + 2, 4), r(T0 + 3, 8)])), { inserted: 1, duplicates: 2 });
        const page = await reopened.queryRaw({ deviceId: 'dev-1', metric: 'temp', from: T0, to: T0 + HOUR_MS, limit: 100 });
        // The first value written for a timestamp is the one kept.
        assert.deepEqual(
          page.readings.map((x) => [x.ts - T0, x.value]),
          [
            [0, 1],
            [1, 3],
            [2, 4],
            [3, 8],
          ],
        );
      },
    );

    withStore('an hour beyond the segment cap overflows into more segments and still reads whole, once', async (store) => {
      const n = SEGMENT_CAP * 2 + 37;
      const all = Array.from({ length: n }, (_, i) => r(T0 + i * 1000, i % 7));
      // In uneven batches, so segments fill across flushes and one batch spans a boundary.
      for (let i = 0; i < n; i += 333) await store.writeBatch(batch(all.slice(i, i + 333)));
      assert.deepEqual(await store.writeBatch(batch(all.slice(0, 700))), { inserted: 0, duplicates: 700 });
      const [whole] = await store.queryAggregate({
        deviceId: 'dev-1',
        metric: 'temp',
        from: T0,
        to: T0 + HOUR_MS,
        everyMs: HOUR_MS,
        agg: 'count',
      });
      assert.equal(whole.value, n);
      const raw = await store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + HOUR_MS, limit: 10_000 });
      assert.deepEqual(
        raw.readings.map((x) => x.ts),
        all.map((x) => x.ts),
      );
    });

    withStore('raw pages with cursors walk every reading exactly once; a bad cursor is refused', async (store) => {
      const readings: Reading[] = [];
      for (let i = 0; i < 40; i++) readings.push(r(T0 + Math.floor(i / 2) * 10 * MIN, i, i % 2 ? 'b' : 'a'));
      await store.writeBatch(batch(readings));
      const seen: Reading[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + 10 * HOUR_MS, limit: 7, cursor });
        seen.push(...page.readings);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== undefined);
      assert.equal(pages, 6);
      assert.deepEqual(
        seen.map((x) => x.value),
        readings.map((x) => x.value),
      );
      await assert.rejects(
        store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + HOUR_MS, limit: 7, cursor: 'not-a-cursor' }),
        InvalidCursorError,
      );
    });

    withStore('aggregates match a brute-force fold for every function and window size, with ragged ranges', async (store) => {
      const readings: Reading[] = [];
      // Three metrics over 30 hours, out of order, values in quarters so sums are exact in any order.
      for (let i = 0; i < 30 * 12; i++) {
        const ts = T0 + ((i * 7919) % (30 * 12)) * 5 * MIN + (i % 3) * 1000;
        readings.push(r(ts, ((i * 37) % 101) / 4 - 10, ['temp', 'hum', 'power'][i % 3]));
      }
      await store.writeBatch(batch(readings));
      const ranges = [
        { from: T0, to: T0 + 30 * HOUR_MS },
        { from: T0 + 17 * MIN + 3, to: T0 + 25 * HOUR_MS + 41 * MIN },
        { from: T0 + 2 * HOUR_MS, to: T0 + 2 * HOUR_MS + 20 * MIN },
        // Both cut hours and the whole hours between them in one day (one window at every=24h).
        { from: T0 + 17 * MIN, to: T0 + 9 * HOUR_MS + 5 * MIN },
      ];
      // 90 min and 3599 s: windows that are not whole hours (some hours or none fit inside one).
      for (const everyMs of [15 * MIN, HOUR_MS, 3 * HOUR_MS, 24 * HOUR_MS, 90 * MIN, 3599_000]) {
        for (const { from, to } of ranges) {
          for (const agg of ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const) {
            for (const metric of [undefined, 'hum']) {
              const got = await store.queryAggregate({ deviceId: 'dev-1', metric, from, to, everyMs, agg });
              const want = expectedWindows(
                readings.filter((x) => metric === undefined || x.metric === metric),
                from,
                to,
                everyMs,
                agg,
              );
              assert.deepEqual(got, want, `${agg} every ${everyMs / MIN} min over ${from - T0}..${to - T0} metric ${metric ?? '*'}`);
            }
          }
        }
      }
    });

    withStore('increase and rate match a brute-force fold, with resets, gaps, out-of-order writes and ragged ranges', async (store) => {
      // energy: in order, written in three flushes, with resets (one on an hour's first sample);
      // gas: an hourly-ish counter with a gap of three hours, starting before the ranges;
      // water: written out of order, so its hours' rises are unknown and read from samples.
      const energy = counterSamples('energy', T0, 30 * 12, 5 * MIN, [7, 48, 200]);
      const gas = [
        ...counterSamples('gas', T0 - 2 * HOUR_MS, 10, 47 * MIN, [6]),
        ...counterSamples('gas', T0 + 12 * HOUR_MS, 12, 61 * MIN),
      ];
      const water = counterSamples('water', T0, 200, 9 * MIN, [120]);
      await store.writeBatch(batch(energy.slice(0, 100)));
      await store.writeBatch(batch([...energy.slice(100, 250), ...gas]));
      await store.writeBatch(batch(energy.slice(250)));
      await store.writeBatch(batch(water.filter((_, i) => i % 2 === 1)));
      await store.writeBatch(batch(water.filter((_, i) => i % 2 === 0)));
      const readings = [...energy, ...gas, ...water];
      const ranges = [
        { from: T0, to: T0 + 30 * HOUR_MS },
        { from: T0 + 17 * MIN + 3, to: T0 + 25 * HOUR_MS + 41 * MIN },
        { from: T0 + 2 * HOUR_MS, to: T0 + 2 * HOUR_MS + 20 * MIN },
        { from: T0 + 5 * HOUR_MS, to: T0 + 20 * HOUR_MS },
      ];
      for (const everyMs of [15 * MIN, HOUR_MS, 3 * HOUR_MS, 24 * HOUR_MS, 90 * MIN]) {
        for (const { from, to } of ranges) {
          for (const agg of ['increase', 'rate'] as const) {
            for (const metric of [undefined, 'energy', 'gas']) {
              const got = await store.queryAggregate({ deviceId: 'dev-1', metric, from, to, everyMs, agg });
              const want = expectedIncrease(
                readings.filter((x) => metric === undefined || x.metric === metric),
                from,
                to,
                everyMs,
                agg,
              );
              assert.deepEqual(got, want, `${agg} every ${everyMs / MIN} min over ${from - T0}..${to - T0} metric ${metric ?? '*'}`);
            }
          }
        }
      }
    });

    withStore('increase over whole hours written in order reads hour summaries only', async (store) => {
      const energy = counterSamples('energy', T0, 10 * 60, MIN, [130]);
      for (let i = 0; i < energy.length; i += 45) await store.writeBatch(batch(energy.slice(i, i + 45)));
      const query = { deviceId: 'dev-1', from: T0, to: T0 + 10 * HOUR_MS, agg: 'increase' as const, maxSamples: 0 };
      for (const everyMs of [HOUR_MS, 24 * HOUR_MS]) {
        assert.deepEqual(
          await store.queryAggregate({ ...query, everyMs }),
          expectedIncrease(energy, query.from, query.to, everyMs, 'increase'),
        );
      }
      // A sample written late into an hour makes that hour's rise unknown: its 60 samples are read.
      await store.writeBatch(batch([r(T0 + 3 * HOUR_MS + 30 * MIN + 1, 0, 'energy')]));
      await assert.rejects(store.queryAggregate({ ...query, everyMs: HOUR_MS }), QueryTooLargeError);
      const all = [...energy, r(T0 + 3 * HOUR_MS + 30 * MIN + 1, 0, 'energy')];
      assert.deepEqual(
        await store.queryAggregate({ ...query, everyMs: HOUR_MS, maxSamples: 61 }),
        expectedIncrease(all, query.from, query.to, HOUR_MS, 'increase'),
      );
    });

    withStore('calendar days across both 2026 DST changes in Amsterdam: each day is the sum of its hours', async (store) => {
      const readings: Reading[] = [];
      // Ten minutes apart: a gauge in quarters and a counter, around 29 March and 25 October 2026.
      for (const start of [Date.UTC(2026, 2, 27, 12), Date.UTC(2026, 9, 23, 12)]) {
        for (let i = 0; i < 4 * 24 * 6; i++) readings.push(r(start + i * 10 * MIN, ((i * 37) % 101) / 4, 'power'));
        readings.push(...counterSamples('energy', start, 4 * 24 * 6, 10 * MIN, [300]));
      }
      await store.writeBatch(batch(readings));
      const days = (from: number, to: number, tz: string) => calendarBoundaries(from, to, 'd', tz, 1000);
      for (const [y, m, d, hours] of [
        [2026, 2, 29, 23],
        [2026, 9, 25, 25],
      ]) {
        const from = Date.UTC(y, m, d - 1);
        const to = Date.UTC(y, m, d + 2);
        const boundaries = days(from, to, 'Europe/Amsterdam');
        const base = { deviceId: 'dev-1', from: boundaries[0], to: boundaries[3], everyMs: HOUR_MS };
        const day = await store.queryAggregate({ ...base, metric: 'power', agg: 'sum', boundaries, maxSamples: 0 });
        const hourly = await store.queryAggregate({ ...base, metric: 'power', agg: 'sum' });
        assert.equal(boundaries[2] - boundaries[1], hours * HOUR_MS);
        assert.equal(hourly.filter((p) => p.ts >= boundaries[1] && p.ts < boundaries[2]).length, hours);
        for (const [i, point] of day.entries()) {
          const inDay = hourly.filter((p) => p.ts >= boundaries[i] && p.ts < boundaries[i + 1]);
          assert.equal(point.ts, boundaries[i]);
          assert.equal(
            point.value,
            inDay.reduce((a, p) => a + p.value, 0),
            `day ${new Date(point.ts).toISOString()}`,
          );
        }
        const dayIncrease = await store.queryAggregate({ ...base, metric: 'energy', agg: 'increase', boundaries, maxSamples: 0 });
        const hourlyIncrease = await store.queryAggregate({ ...base, metric: 'energy', agg: 'increase' });
        for (const [i, point] of dayIncrease.entries()) {
          const inDay = hourlyIncrease.filter((p) => p.ts >= boundaries[i] && p.ts < boundaries[i + 1]);
          assert.equal(
            point.value,
            inDay.reduce((a, p) => a + p.value, 0),
          );
        }
        // Ragged ranges, every function, and a zone whose midnight is not on a whole UTC hour
        // (Asia/Kolkata, +05:30: its days cut hours, which are read from samples).
        for (const tz of ['Europe/Amsterdam', 'Asia/Kolkata']) {
          for (const range of [
            { from: from + 17 * MIN + 3, to: to - 41 * MIN },
            { from, to },
          ]) {
            const b = days(range.from, range.to, tz);
            for (const agg of ['avg', 'min', 'max', 'sum', 'count', 'first', 'last', 'increase', 'rate'] as const) {
              const got = await store.queryAggregate({ deviceId: 'dev-1', ...range, everyMs: 86_400_000, boundaries: b, agg });
              const want =
                agg === 'increase' || agg === 'rate'
                  ? expectedIncrease(readings, range.from, range.to, b, agg)
                  : expectedWindows(readings, range.from, range.to, b, agg);
              assert.deepEqual(got, want, `${agg} in ${tz} over ${new Date(range.from).toISOString()}`);
            }
          }
        }
      }
    });

    withStore(
      'windows that cut hours unpack only the cut hours, and a query past its sample limit is refused before any work',
      async (store) => {
        // 10 hours of one sample a minute: 600 samples.
        const readings = Array.from({ length: 600 }, (_, i) => r(T0 + i * MIN, i));
        await store.writeBatch(batch(readings));
        const range = { deviceId: 'dev-1', from: T0, to: T0 + 10 * HOUR_MS, agg: 'sum' as const };
        // every=90m: of each three hours a boundary cuts the middle one; from T0 (10:00 UTC) the ten
        // hours hold four cut ones (10:00, 13:00, 16:00, 19:00): 240 samples, the rest from summaries.
        const ninety = await store.queryAggregate({ ...range, everyMs: 90 * MIN, maxSamples: 240 });
        assert.deepEqual(ninety, expectedWindows(readings, range.from, range.to, 90 * MIN, 'sum'));
        await assert.rejects(store.queryAggregate({ ...range, everyMs: 90 * MIN, maxSamples: 239 }), QueryTooLargeError);
        // every=3599s cuts every hour: all 600 samples.
        await assert.rejects(store.queryAggregate({ ...range, everyMs: 3599_000, maxSamples: 599 }), (err: Error) => {
          assert.ok(err instanceof QueryTooLargeError);
          assert.match(err.message, /would read 600 samples one by one, more than the 599/);
          return true;
        });
        // Whole-hour windows read summaries only: no limit applies to them.
        assert.equal((await store.queryAggregate({ ...range, everyMs: HOUR_MS, maxSamples: 1000 })).length, 10);
      },
    );

    withStore('retention drops whole buckets that ended before the cutoff, and the hour can be written again', async (store) => {
      await store.writeBatch(batch([r(T0 + 1, 1), r(T0 + HOUR_MS + 1, 2), r(T0 + 2 * HOUR_MS + 1, 3), r(T0 + 1, 4, 'hum')]));
      assert.equal(await store.dropBucketsBefore(T0 + HOUR_MS + 30 * MIN), 2);
      const left = await store.queryRaw({ deviceId: 'dev-1', from: T0, to: T0 + 3 * HOUR_MS, limit: 100 });
      assert.deepEqual(
        left.readings.map((x) => x.value),
        [2, 3],
      );
      assert.deepEqual(await store.writeBatch(batch([r(T0 + 1, 5)])), { inserted: 1, duplicates: 0 });
    });

    withStore('stream heads and last-seen times are written with the batch and restored with the devices', async (store, fixture) => {
      await store.saveDevice(device('dev-1'));
      await store.saveDevice(device('dev-0', T0 - 5));
      await store.writeBatch(
        batch([r(T0, 1)], {
          heads: [
            { deviceId: 'dev-1', h: 5 },
            { deviceId: 'dev-1', h: 7 },
            { deviceId: 'ghost', h: 1 },
          ],
          lastSeen: [
            { deviceId: 'dev-1', ts: T0 + 20 },
            { deviceId: 'dev-1', ts: T0 + 10 },
          ],
        }),
      );
      await store.stop();
      const reopened = await fixture.open();
      const devices = await reopened.loadDevices();
      assert.deepEqual(
        devices.map((d) => [d.id, d.streamH, d.lastSeen]),
        [
          ['dev-0', null, T0 - 5],
          ['dev-1', 7, T0 + 20],
        ],
      );
      assert.deepEqual(devices[1].actuators, [{ name: 'relay', type: 'relay' }]);
      // A description saved later with an older lastSeen does not move lastSeen back.
      await reopened.saveDevice({ ...device('dev-1', T0), name: 'Renamed' });
      const [, again] = await reopened.loadDevices();
      assert.deepEqual([again.name, again.lastSeen, again.streamH], ['Renamed', T0 + 20, 7]);
    });

    withStore('devices saved in one batch all come back; a batch updates known devices without moving lastSeen back', async (store) => {
      await store.saveDevices([]);
      await store.saveDevice(device('dev-0', T0 + 50));
      await store.saveDevices([device('dev-1', T0), device('dev-2'), { ...device('dev-0', T0), name: 'Renamed' }]);
      const loaded = await store.loadDevices();
      assert.deepEqual(
        loaded.map((d) => [d.id, d.name, d.lastSeen]),
        [
          ['dev-0', 'Renamed', T0 + 50],
          ['dev-1', 'Device dev-1', T0],
          ['dev-2', 'Device dev-2', null],
        ],
      );
      assert.deepEqual(loaded[1].metrics, [{ name: 'temp', unit: '°C' }]);
    });

    withStore('presence history comes back newest first, limited', async (store) => {
      const states = ['online', 'stale', 'online', 'offline'] as const;
      for (const [i, state] of states.entries()) {
        await store.appendPresence([
          {
            deviceId: 'dev-1',
            state,
            previous: i === 0 ? 'unknown' : states[i - 1],
            ts: T0 + (i < 2 ? 0 : i),
            reason: `r${i}`,
          },
        ]);
      }
      await store.appendPresence([{ deviceId: 'dev-2', state: 'online', previous: 'unknown', ts: T0, reason: 'other' }]);
      const history = await store.presenceHistory('dev-1', 3);
      assert.deepEqual(
        history.map((p) => [p.state, p.previous, p.reason]),
        [
          ['offline', 'online', 'r3'],
          ['online', 'stale', 'r2'],
          ['stale', 'online', 'r1'],
        ],
      );
    });

    withStore('a batch of presence changes is stored in its order, per device, ties in one millisecond included', async (store) => {
      const change = (deviceId: string, i: number, ts = T0): PresenceChange => ({
        deviceId,
        state: i % 2 === 0 ? 'online' : 'offline',
        previous: i === 0 ? 'unknown' : i % 2 === 0 ? 'offline' : 'online',
        ts,
        reason: `${deviceId}-${i}`,
      });
      await store.appendPresence([]);
      // Two devices interleaved, all in the same millisecond: only the batch's order tells them apart.
      const first = [0, 1, 2].flatMap((i) => [change('dev-1', i), change('dev-2', i)]);
      await store.appendPresence(first);
      await store.appendPresence([change('dev-1', 3), change('dev-1', 4, T0 + 1)]);
      assert.deepEqual(
        (await store.presenceHistory('dev-1', 10)).map((p) => p.reason),
        ['dev-1-4', 'dev-1-3', 'dev-1-2', 'dev-1-1', 'dev-1-0'],
      );
      assert.deepEqual(await store.presenceHistory('dev-2', 2), [change('dev-2', 2), change('dev-2', 1)]);
      assert.deepEqual(await store.presenceHistory('dev-3', 10), [], 'an empty batch stores nothing');
    });

    withStore('a batch of a thousand presence changes for a thousand devices is stored whole', async (store) => {
      const ids = Array.from({ length: 1_000 }, (_, i) => `dev-${i}`);
      await store.appendPresence(
        ids.map((deviceId, i) => ({ deviceId, state: 'online', previous: 'unknown', ts: T0 + i, reason: 'connected' })),
      );
      for (const i of [0, 499, 999]) {
        assert.deepEqual(await store.presenceHistory(`dev-${i}`, 10), [
          { deviceId: `dev-${i}`, state: 'online', previous: 'unknown', ts: T0 + i, reason: 'connected' },
        ]);
      }
      assert.deepEqual(await store.pruneHistoryBefore(T0 + 1_000), { presence: 1_000, commands: 0 });
    });

    withStore('commands are saved, updated in place and listed by filter, most recently updated first', async (store) => {
      const cmd = (id: string, deviceId: string, state: Command['state'], updatedAt: number): Command => ({
        id,
        deviceId,
        action: 'set',
        params: { relay: true },
        state,
        createdAt: T0,
        updatedAt,
        expiresAt: T0 + MIN,
      });
      await store.saveCommand(cmd('c1', 'dev-1', 'queued', T0));
      await store.saveCommand(cmd('c2', 'dev-1', 'sent', T0 + 2));
      await store.saveCommand(cmd('c3', 'dev-2', 'queued', T0 + 1));
      await store.saveCommand({ ...cmd('c1', 'dev-1', 'failed', T0 + 3), error: 'no answer' });
      assert.deepEqual(
        (await store.loadCommands({})).map((c) => c.id),
        ['c1', 'c2', 'c3'],
      );
      assert.deepEqual(
        (await store.loadCommands({ states: ['queued', 'sent'] })).map((c) => c.id),
        ['c2', 'c3'],
      );
      assert.deepEqual(await store.loadCommands({ deviceId: 'dev-1', limit: 1 }), [
        { ...cmd('c1', 'dev-1', 'failed', T0 + 3), error: 'no answer' },
      ]);
    });

    withStore('history pruning drops old presence changes and old finished commands, never open ones', async (store) => {
      const presence = (deviceId: string, ts: number, reason: string) =>
        store.appendPresence([{ deviceId, state: 'online', previous: 'offline', ts, reason }]);
      await presence('dev-1', T0 - 2, 'old-1');
      await presence('dev-1', T0 - 1, 'old-2');
      await presence('dev-1', T0, 'at-cutoff');
      await presence('dev-1', T0 + 1, 'new');
      await presence('dev-2', T0 - HOUR_MS, 'old-other');
      const cmd = (id: string, state: Command['state'], updatedAt: number): Command => ({
        id,
        deviceId: 'dev-1',
        action: 'set',
        params: {},
        state,
        createdAt: updatedAt - MIN,
        updatedAt,
        expiresAt: updatedAt - MIN / 2,
      });
      // Open commands last touched (and due to expire) long before the cutoff still stay: the
      // command service expires them first, and a later sweep removes them.
      for (const c of [
        cmd('acked-old', 'acked', T0 - 10),
        cmd('failed-old', 'failed', T0 - 1),
        cmd('expired-old', 'expired', T0 - MIN),
        cmd('queued-old', 'queued', T0 - HOUR_MS),
        cmd('sent-old', 'sent', T0 - HOUR_MS),
        cmd('acked-at-cutoff', 'acked', T0),
        cmd('failed-new', 'failed', T0 + 5),
      ])
        await store.saveCommand(c);

      assert.deepEqual(await store.pruneHistoryBefore(T0), { presence: 3, commands: 3 });
      assert.deepEqual(
        (await store.presenceHistory('dev-1', 10)).map((p) => p.reason),
        ['new', 'at-cutoff'],
      );
      assert.deepEqual(await store.presenceHistory('dev-2', 10), []);
      assert.deepEqual((await store.loadCommands({})).map((c) => c.id).sort(), ['acked-at-cutoff', 'failed-new', 'queued-old', 'sent-old']);
      assert.deepEqual(await store.pruneHistoryBefore(T0), { presence: 0, commands: 0 }, 'a second sweep finds nothing more');
    });

    withStore('the newest stored reading of every device and metric comes back, across hours and segments', async (store) => {
      assert.deepEqual(await store.latestReadings(), []);
      const many = Array.from({ length: SEGMENT_CAP + 3 }, (_, i) => r(T0 + HOUR_MS + i, i));
      await store.writeBatch(batch([r(T0 + 2 * HOUR_MS + 7, 42, 'hum'), r(T0, 1, 'hum'), ...many, r(T0 + 5, 9, 'temp', 'dev-2')]));
      // An older reading written later does not replace the newest.
      await store.writeBatch(batch([r(T0 + 3, 0.5)]));
      const latest = (await store.latestReadings()).sort(
        (a, b) => a.deviceId.localeCompare(b.deviceId) || a.metric.localeCompare(b.metric),
      );
      assert.deepEqual(latest, [
        r(T0 + 2 * HOUR_MS + 7, 42, 'hum'),
        r(T0 + HOUR_MS + SEGMENT_CAP + 2, SEGMENT_CAP + 2),
        r(T0 + 5, 9, 'temp', 'dev-2'),
      ]);
    });

    withStore(
      'removing a device deletes its entry; with purge also its readings, presence and commands, and nothing of other devices',
      async (store, fixture) => {
        const cmd = (id: string, deviceId: string): Command => ({
          id,
          deviceId,
          action: 'set',
          params: {},
          state: 'queued',
          createdAt: T0,
          updatedAt: T0,
          expiresAt: T0 + MIN,
        });
        for (const id of ['dev-1', 'dev-2', 'dev-3']) {
          await store.saveDevice(device(id, T0));
          await store.appendPresence([{ deviceId: id, state: 'online', previous: 'unknown', ts: T0, reason: 'connected' }]);
          await store.saveCommand(cmd(`c-${id}`, id));
        }
        const readings = (deviceId: string) => [
          r(T0, 1, 'temp', deviceId),
          r(T0 + HOUR_MS, 2, 'temp', deviceId),
          r(T0, 3, 'hum', deviceId),
        ];
        await store.writeBatch(
          batch([...readings('dev-1'), ...readings('dev-2'), ...readings('dev-3')], { heads: [{ deviceId: 'dev-1', h: 4 }] }),
        );

        assert.deepEqual(await store.removeDevice('dev-1', { purge: false }), { device: true, buckets: 0, presence: 0, commands: 0 });
        const purged = await store.removeDevice('dev-2', { purge: true });
        assert.deepEqual({ ...purged, buckets: purged.buckets > 0 }, { device: true, buckets: true, presence: 1, commands: 1 });
        assert.deepEqual(await store.removeDevice('ghost', { purge: true }), { device: false, buckets: 0, presence: 0, commands: 0 });

        const all = { from: T0 - HOUR_MS, to: T0 + 2 * HOUR_MS, limit: 100 };
        assert.deepEqual(
          (await store.loadDevices()).map((d) => d.id),
          ['dev-3'],
        );
        // Without purge the history stays (readings can still be queried); with purge it is gone.
        assert.equal((await store.queryRaw({ deviceId: 'dev-1', ...all })).readings.length, 3);
        assert.equal((await store.presenceHistory('dev-1', 10)).length, 1);
        assert.deepEqual((await store.queryRaw({ deviceId: 'dev-2', ...all })).readings, []);
        assert.deepEqual(await store.queryAggregate({ deviceId: 'dev-2', from: all.from, to: all.to, everyMs: HOUR_MS, agg: 'sum' }), []);
        assert.deepEqual(await store.presenceHistory('dev-2', 10), []);
        assert.deepEqual((await store.loadCommands({})).map((c) => c.id).sort(), ['c-dev-1', 'c-dev-3']);
        assert.equal((await store.queryRaw({ deviceId: 'dev-3', ...all })).readings.length, 3);
        assert.deepEqual((await store.latestReadings()).map((x) => x.deviceId).sort(), ['dev-1', 'dev-1', 'dev-3', 'dev-3']);

        // A device added again under a purged id starts empty, and its readings are stored afresh.
        await store.saveDevice(device('dev-2', T0));
        assert.deepEqual(await store.writeBatch(batch(readings('dev-2'))), { inserted: 3, duplicates: 0 });
        await store.stop();
        const reopened = await fixture.open();
        const [again] = (await reopened.loadDevices()).filter((d) => d.id === 'dev-2');
        assert.equal(again.streamH, null);
        assert.equal((await reopened.queryRaw({ deviceId: 'dev-2', ...all })).readings.length, 3);
      },
    );

    withStore('records are put, replaced, listed by kind and deleted', async (store) => {
      await store.putRecord('api-token', 'b', { role: 'viewer' });
      await store.putRecord('api-token', 'a', { role: 'admin', nested: { n: 1 } });
      await store.putRecord('device-key', 'a', { key: 'k' });
      await store.putRecord('api-token', 'b', { role: 'operator' });
      assert.deepEqual(await store.getRecord('api-token', 'b'), { role: 'operator' });
      assert.deepEqual(await store.listRecords('api-token'), [
        { id: 'a', doc: { role: 'admin', nested: { n: 1 } } },
        { id: 'b', doc: { role: 'operator' } },
      ]);
      assert.equal(await store.deleteRecord('api-token', 'a'), true);
      assert.equal(await store.deleteRecord('api-token', 'a'), false);
      assert.equal(await store.getRecord('api-token', 'a'), null);
      assert.deepEqual(await store.listRecords('device-key'), [{ id: 'a', doc: { key: 'k' } }]);
    });
  });
}
