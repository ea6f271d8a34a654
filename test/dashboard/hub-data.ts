// What the browser tests check the dashboard against: a day of stored readings to aggregate,
// and the readings the hub stored, compared point by point with what a chart shows.
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { getJson, waitFor, type TestHub } from '../helpers/hub.ts';

const DAY = 86_400_000;

/** A day of temperatures, one every two minutes, so the 24 h view has something to aggregate. */
export async function backfillDay(hub: TestHub, deviceId: string): Promise<void> {
  const now = Date.now();
  const readings = [];
  for (let ts = now - DAY + 60_000; ts < now - 10 * 60_000; ts += 120_000) {
    readings.push({ metric: 'temperature', ts, value: 20 + 3 * Math.sin(ts / 3_600_000) });
  }
  const outcome = hub.hub.ingest.submit({ deviceId, readings, source: 'test-backfill' });
  assert.equal(outcome.status, 'accepted');
  await waitFor('the backfill to be stored', async () => {
    const page = await hub.hub.store.queryRaw({ deviceId, metric: 'temperature', from: now - DAY, to: now - 10 * 60_000, limit: 1000 });
    return page.readings.length >= readings.length;
  });
}

/** The chart shows exactly the readings the hub stored over the chart's span: no gap, no duplicate. */
export async function assertChartMatchesStore(
  hub: TestHub,
  chart: Locator,
  deviceId: string,
  metric: string,
  token: string,
): Promise<void> {
  const { xs }: { xs: number[] } = await chart.evaluate((el) => (window as any).__dashboardChartPoints(el));
  assert.ok(xs.length > 10, `only ${xs.length} points on the chart`);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], 'times strictly increase: no duplicate');
  const url = `${hub.url}/api/devices/${deviceId}/readings?metric=${metric}&from=${xs[0]}&to=${xs[xs.length - 1] + 1}&limit=10000&token=${token}`;
  const stored = await getJson(url);
  assert.deepEqual(
    xs,
    stored.body.readings.map((r: { ts: number }) => r.ts),
  );
}
