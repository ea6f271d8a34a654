// How long the dashboard takes to show a history range, from choosing it to data ready to draw,
// for 1 h up to a year of one reading a minute (525,600 readings). The chart asks for windows
// fitted to its width, so the year should cost about what the hour costs. Also the REST answer
// alone for the same queries. Medians of several rounds, and the year-to-hour ratio.
import type { Page } from 'playwright-core';
import { startHub, waitFor } from '../test/helpers/hub.ts';
import { buildDashboard, launchChromium } from '../test/dashboard/browser.ts';
import { median, report } from './stats.ts';

const DEVICE = 'year-1';
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
const ROUNDS = 5;

const hub = await startHub();
const browser = await launchChromium();
try {
  await buildDashboard();
  await hub.hub.devices.register({
    id: DEVICE,
    name: 'A year of temperatures',
    transport: 'mqtt',
    sampleIntervalMs: MINUTE,
    metrics: [{ name: 'temperature', unit: '°C' }],
    actuators: [],
  });
  const now = Date.now();
  const seededFrom = now - 365 * DAY;
  const started = performance.now();
  for (let chunkStart = seededFrom; chunkStart < now; chunkStart += 10_000 * MINUTE) {
    const readings = [];
    for (let ts = chunkStart; ts < Math.min(now, chunkStart + 10_000 * MINUTE); ts += MINUTE) {
      readings.push({ deviceId: DEVICE, metric: 'temperature', ts, value: 20 + 5 * Math.sin((ts / DAY) * 2 * Math.PI) });
    }
    await hub.hub.store.writeBatch({ readings, heads: [], lastSeen: [] });
  }
  report('dashboard.history.seed', { readings: 365 * 1_440, seconds: Math.round((performance.now() - started) / 100) / 10 });

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(hub.url);
  await page.locator(`tr[data-device-id="${DEVICE}"] button`).click();
  const history = page.locator('section.history');
  await history.locator('xpath=self::*[@data-state="loaded"]').waitFor();

  // 1 h comes last in a round: it is the panel's initial choice, and choosing it again changes nothing.
  const ranges = ['24 h', '7 d', '365 d', '1 h'] as const;
  const times: Record<string, number[]> = Object.fromEntries(ranges.map((r) => [r, []]));
  const every: Record<string, string> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const range of ranges) {
      await choose(page, range);
      await waitFor(`${range} loaded`, async () => (await history.getAttribute('data-state')) === 'loaded', 30_000, 10);
      times[range].push(Number(await history.getAttribute('data-load-ms')));
      every[range] = (await history.getAttribute('data-every')) ?? '';
    }
  }
  const hour = median(times['1 h']);
  for (const range of ranges) {
    report(`dashboard.history.load.${range.replace(' ', '')}`, {
      every: every[range],
      rounds: ROUNDS,
      medianMs: median(times[range]),
      ratioToHour: Math.round((median(times[range]) / hour) * 100) / 100,
    });
  }

  // The REST answers alone, for the windows the chart asked for.
  for (const [label, span, step] of [
    ['1h', 60 * MINUTE, every['1 h']],
    ['365d', 365 * DAY, every['365 d']],
  ] as const) {
    const query = `metric=temperature&from=${now - span}&to=${now}${step === 'raw' ? '' : `&every=${step}`}`;
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(`${hub.url}/api/devices/${DEVICE}/readings?${query}`);
      await res.json();
      ms.push(performance.now() - t0);
    }
    report(`dashboard.history.rest.${label}`, { every: step, medianMs: Math.round(median(ms) * 100) / 100 });
  }
} finally {
  await browser.close();
  await hub.stop();
}

/** Picks a range in the panel: a preset radio, or the custom form for the year. */
async function choose(page: Page, range: string): Promise<void> {
  const history = page.locator('section.history');
  await history.evaluate((el) => {
    el.dataset.state = 'choosing';
  });
  if (range !== '365 d') {
    await history.getByLabel(range, { exact: true }).check();
    return;
  }
  await history.getByLabel('custom').check();
  const local = (ts: number) => new Date(ts - new Date(ts).getTimezoneOffset() * MINUTE).toISOString().slice(0, 16);
  await page.locator('#history-from').fill(local(Date.now() - 365 * DAY));
  await page.locator('#history-to').fill(local(Date.now() + 2 * MINUTE));
  await history.getByRole('button', { name: 'Show' }).click();
}
