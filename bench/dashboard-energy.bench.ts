// How long the energy view takes to show a year per month and a month per day of a meter's data
// (a year of DSMR telegrams every 15 minutes, fed through a pty into the hub's serial transport):
// from navigation (a fresh load of the page at the period's address, and a switch within the
// running page) until the bars and totals are on screen, in chromium. The reference, measured in
// the same run: the REST answers alone (one agg=increase query per counter, in parallel, as the
// page asks them). Medians of several rounds; the goal is under a second.
import type { Page } from 'playwright-core';
import { buildDashboard, launchChromium } from '../test/dashboard/browser.ts';
import { feedYear, METER_ID, meterHub } from '../test/dashboard/dsmr-feed.ts';
import { amsterdamMidnight, COUNTERS, meterYear } from '../test/dashboard/dsmr-year.ts';
import { median, report } from './stats.ts';

const ROUNDS = 7;
const TZ = 'Europe/Amsterdam';

await buildDashboard();
const year = meterYear(Date.UTC(2024, 11, 31, 20), Date.UTC(2026, 0, 1, 2));
const meter = await meterHub({ energyPrices: 'energy_delivered_tariff1=0.21,energy_delivered_tariff2=0.27,gas=1.35' });
const browser = await launchChromium();
try {
  const seedStarted = performance.now();
  await feedYear(meter, year);
  report('dashboard.energy.seed', {
    telegrams: year.telegrams.length,
    via: 'pty',
    seconds: Math.round((performance.now() - seedStarted) / 100) / 10,
  });

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: TZ });
  const page = await context.newPage();
  const base = `${meter.hub.url}/#/devices/${METER_ID}/energy`;
  const views = [
    { label: 'year-per-month', period: '2025', from: amsterdamMidnight(2025, 1, 1), to: amsterdamMidnight(2026, 1, 1), every: '1mo' },
    { label: 'month-per-day', period: '2025-03', from: amsterdamMidnight(2025, 3, 1), to: amsterdamMidnight(2025, 4, 1), every: '1d' },
  ];
  // Warm the browser's cache of the bundle and the hub's page cache once.
  await page.goto(`${base}/2025`);
  await shown(page, '2025');

  for (const view of views) {
    const fresh: number[] = [];
    const inPage: number[] = [];
    const pageOwn: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await page.goto('about:blank');
      let t0 = performance.now();
      await page.goto(`${base}/${view.period}`);
      await shown(page, view.period);
      fresh.push(performance.now() - t0);
      // Within the running page: another period first, then this one by its address.
      await page.evaluate((href) => {
        location.hash = href;
      }, `#/devices/${METER_ID}/energy/2024-06-01`);
      await shown(page, '2024-06-01');
      t0 = performance.now();
      await page.evaluate((href) => {
        location.hash = href;
      }, `#/devices/${METER_ID}/energy/${view.period}`);
      await shown(page, view.period);
      inPage.push(performance.now() - t0);
      pageOwn.push(Number(await page.locator('section.energy').getAttribute('data-load-ms')));
    }
    const rest: number[] = [];
    for (let round = 0; round < ROUNDS * 3; round++) {
      const t0 = performance.now();
      await Promise.all(
        COUNTERS.map(async (metric) => {
          const q = new URLSearchParams({
            metric,
            from: String(view.from),
            to: String(view.to),
            every: view.every,
            tz: TZ,
            agg: 'increase',
          });
          const res = await fetch(`${meter.hub.url}/api/devices/${METER_ID}/readings?${q}`);
          await res.json();
        }),
      );
      rest.push(performance.now() - t0);
    }
    const round2 = (x: number) => Math.round(x * 10) / 10;
    report(`dashboard.energy.${view.label}`, {
      rounds: ROUNDS,
      freshLoadMedianMs: round2(median(fresh)),
      inPageMedianMs: round2(median(inPage)),
      pageDataLoadMedianMs: round2(median(pageOwn)),
      restReferenceMedianMs: round2(median(rest)),
      queries: COUNTERS.length,
      goalMs: 1000,
      underGoal: median(fresh) < 1000 && median(inPage) < 1000,
    });
  }
} finally {
  await browser.close();
  await meter.close();
}

/** Waits until the view shows `period` with its bars and totals. */
async function shown(page: Page, period: string): Promise<void> {
  await page.locator(`section.energy[data-period="${period}"][data-state="loaded"] .energy-totals`).waitFor({ timeout: 30_000 });
}
