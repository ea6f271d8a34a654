// The energy view in a real browser (Debian's chromium, en-US, Europe/Amsterdam) over a year of
// DSMR telegrams that went through a pty into the hub's serial port, framer, CRC check, parser,
// ingest and SQLite. What the page must show per hour, day and month is computed in the test from
// the counters the telegrams carried (dsmr-year.ts: its own summer time rule), not by the hub:
// a 25-hour day (26 October 2025), a month with a 23-hour day (March 2025) and the year, with the
// cost at the prices the hub was started with.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { teardown } from '../helpers/teardown.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';
import { METER_ID, feedYear, meterHub, type MeterHub } from './dsmr-feed.ts';
import { amsterdamMidnight, COUNTERS, type Counter, ELECTRICITY, increase, meterYear, type MeterYear } from './dsmr-year.ts';

const PRICES: Record<Counter, number> = {
  energy_delivered_tariff1: 0.21,
  energy_delivered_tariff2: 0.27,
  energy_returned_tariff1: 0.07,
  energy_returned_tariff2: 0.09,
  gas: 1.35,
};
const CONTEXT = { viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Amsterdam' } as const;
const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const euroFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' });
/** Less than half a cent is no money: a tiny credit reads €0.00, not -€0.00. */
const euros = { format: (v: number) => euroFormat.format(Math.abs(v) < 0.005 ? 0 : v) };

describe('energy view in chromium (Europe/Amsterdam) over a year of DSMR telegrams', () => {
  let meter: MeterHub;
  let year: MeterYear;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    await buildDashboard();
    // From before the first local midnight of 2025 to after the last, so every window has its base.
    year = meterYear(Date.UTC(2024, 11, 31, 20), Date.UTC(2026, 0, 1, 2));
    meter = await meterHub({
      energyPrices: Object.entries(PRICES)
        .map(([m, p]) => `${m}=${p}`)
        .join(','),
      energyCurrency: 'EUR',
    });
    await feedYear(meter, year);
    browser = await launchChromium();
    context = await browser.newContext(CONTEXT);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await meter?.close();
  });

  /** Bar starts in Amsterdam: each hour of a day, each day of a month, each month of a year. */
  const hours = (y: number, m: number, d: number) => {
    const out: number[] = [];
    for (let t = amsterdamMidnight(y, m, d); t <= amsterdamMidnight(y, m, d + 1); t += 3_600_000) out.push(t);
    return out;
  };
  const days = (y: number, m: number) =>
    Array.from({ length: new Date(Date.UTC(y, m, 0)).getUTCDate() + 1 }, (_, i) => amsterdamMidnight(y, m, i + 1));
  const months = (y: number) => Array.from({ length: 13 }, (_, i) => amsterdamMidnight(y, i + 1, 1));

  async function loaded(period: string): Promise<Locator> {
    const view = page.locator(`section.energy[data-period="${period}"][data-state="loaded"]`);
    await view.waitFor();
    return view;
  }

  /** Every bar in the tables of values: its start and, per counter, the hub's increase. */
  async function assertBars(view: Locator, bounds: number[]): Promise<void> {
    for (const [group, counters] of [
      ['electricity', ELECTRICITY],
      ['gas', ['gas']],
    ] as const) {
      const rows = view.locator(`table[data-group="${group}"] tbody tr`);
      const shown: Array<{ ts: number; values: Record<string, number> }> = await rows.evaluateAll((trs) =>
        trs.map((tr) => ({
          ts: Number(tr.getAttribute('data-ts')),
          values: Object.fromEntries(
            [...tr.querySelectorAll('td[data-metric]')].map((td) => [
              td.getAttribute('data-metric'),
              Number(td.getAttribute('data-value')),
            ]),
          ),
        })),
      );
      assert.deepEqual(
        shown.map((r) => r.ts),
        bounds.slice(0, -1),
        `${group}: one bar per window, starting at local midnights and month starts`,
      );
      for (let i = 0; i < shown.length; i++) {
        for (const c of counters) {
          const expected = increase(year.samples[c], bounds[i], bounds[i + 1]);
          assert.ok(
            Math.abs(shown[i].values[c] - expected) < 1e-6,
            `${c} from ${new Date(bounds[i]).toISOString()}: shown ${shown[i].values[c]}, expected ${expected}`,
          );
        }
      }
    }
  }

  /** The totals table: each counter's rise over the period, its cost, and the net cost. */
  async function assertTotals(view: Locator, from: number, to: number): Promise<void> {
    let net = 0;
    for (const c of COUNTERS) {
      const expected = increase(year.samples[c], from, to);
      const row = view.locator(`.energy-totals tr[data-metric="${c}"]`);
      const value = Number(await row.locator('td.amount').getAttribute('data-value'));
      assert.ok(Math.abs(value - expected) < 1e-6, `${c}: total ${value}, expected ${expected}`);
      assert.equal(await row.locator('td.amount').innerText(), `${amount.format(expected)} ${c === 'gas' ? 'm³' : 'kWh'}`);
      const cost = (c.includes('returned') ? -1 : 1) * expected * PRICES[c];
      net += cost;
      assert.equal(await row.locator('td.cost').innerText(), euros.format(cost), `${c}: cost`);
    }
    assert.equal(await view.locator('.energy-totals tr[data-metric="net"] td.cost').innerText(), euros.format(net));
  }

  it("opens from the meter's device page, and says so when a day has no readings", async () => {
    await page.goto(`${meter.hub.url}/#/devices/${METER_ID}`);
    await page.getByRole('link', { name: 'Energy use per hour, day and month' }).click();
    const view = page.locator('section.energy[data-state="loaded"]');
    await view.waitFor();
    assert.match(new URL(page.url()).hash, new RegExp(`^#/devices/${METER_ID}/energy/\\d{4}-\\d{2}-\\d{2}$`));
    await view.getByRole('heading', { name: 'Energy · Smart meter' }).waitFor();
    // Today is past the seeded year.
    assert.match(await view.locator('p[role="status"]').innerText(), /^No meter readings in this period \(times in Europe\/Amsterdam\)\.$/);
  });

  it("shows the 25 hours of 26 October 2025, each with its own increase, and the day's totals and cost", async () => {
    await page.goto(`${meter.hub.url}/#/devices/${METER_ID}/energy/2025-10-26`);
    const view = await loaded('2025-10-26');
    assert.equal(await view.locator('#energy-period').innerText(), 'Sunday, October 26, 2025');
    const bounds = hours(2025, 10, 26);
    assert.equal(bounds.length - 1, 25, 'the day clocks go back has 25 hours');
    await assertBars(view, bounds);
    await assertTotals(view, bounds[0], bounds[bounds.length - 1]);
    // The two 02:00 hours are told apart by their zone.
    const labels = await view.locator('table[data-group="electricity"] tbody th').allTextContents();
    assert.deepEqual(labels.slice(2, 4), ['02:00 GMT+2', '02:00 GMT+1']);
    assert.equal((await view.locator('.energy-group[data-group="electricity"] svg rect').count()) > 25, true, 'bars are drawn');
    await page.screenshot({ path: artifactPath('20-energy-day.png'), fullPage: true });
  });

  it('steps by the period switch and previous/next: March 2025 per day (with its 23-hour day), then the year per month', async () => {
    const view = page.locator('section.energy');
    await view.getByRole('radio', { name: 'Month' }).check();
    await loaded('2025-10');
    await view.getByRole('button', { name: 'Previous month' }).click();
    await loaded('2025-09');
    await view.getByLabel('Go to month').fill('2025-03');
    await view.getByRole('button', { name: 'Show' }).click();
    const march = await loaded('2025-03');
    assert.equal(new URL(page.url()).hash, `#/devices/${METER_ID}/energy/2025-03`);
    const bounds = days(2025, 3);
    assert.equal(bounds[30] - bounds[29], 23 * 3_600_000, '30 March 2025 has 23 hours');
    await assertBars(march, bounds);
    await assertTotals(march, bounds[0], bounds[bounds.length - 1]);

    await view.getByRole('radio', { name: 'Year' }).check();
    const y2025 = await loaded('2025');
    const monthBounds = months(2025);
    await assertBars(y2025, monthBounds);
    await assertTotals(y2025, monthBounds[0], monthBounds[12]);
    await page.screenshot({ path: artifactPath('21-energy-year.png'), fullPage: true });
    await view.getByRole('button', { name: 'Next year' }).click();
    await loaded('2026');
    await page.reload();
    await loaded('2026');
    assert.deepEqual(pageErrors, []);
  });

  it('fits a phone: nothing wider than the screen on the month view', async (t) => {
    const phone = await browser.newContext({ ...CONTEXT, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    teardown(t, () => phone.close());
    const p = await phone.newPage();
    await p.goto(`${meter.hub.url}/#/devices/${METER_ID}/energy/2025-03`);
    await p.locator('section.energy[data-state="loaded"]').waitFor();
    await p.locator('details.energy-values summary').first().click();
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow} px wider than the phone`);
    await p.screenshot({ path: artifactPath('22-energy-phone.png'), fullPage: true });
  });
});
