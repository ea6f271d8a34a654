// A device's own page in a real browser (Debian's chromium) with a German locale: its address
// works with links, the back button and a reload; it shows presence history, metrics with units,
// the relay's state, commands and the device's refusals (from the stream and from the hub's
// store); charts read out time and value under the pointer, label their axes in the locale and
// draw what arrived while they were hidden; "15 min" asks for exactly fifteen minutes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { provision, rawClient } from '../transports/mqtt/mqtt-helpers.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

describe('device page in chromium (de-DE)', () => {
  let hub: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let probe: MqttClient;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    await buildDashboard();
    hub = await startHub({ simulate: 2, simulateIntervalMs: 200 });
    const key = await provision(hub, 'probe-1');
    probe = await rawClient(hub, { clientId: 'probe-1', username: 'probe-1', password: key });
    // One refusal before the page opens: only the hub's store knows it.
    await probe.publishAsync('devices/probe-1/telemetry', '{not json', { qos: 1 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await probe?.endAsync();
    await browser?.close();
    await hub?.stop();
  });

  it('opens from the list at its own address, and back, forward and reload keep the page', async () => {
    await page.goto(hub.url);
    await page.locator('tr[data-device-id="sim-001"] [data-presence="online"]').waitFor();
    await page.locator('tr[data-device-id="sim-001"] a').click();
    const detail = page.locator('section.detail[data-device-id="sim-001"]');
    await detail.getByRole('heading', { name: 'Simulated climate sensor 1' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/devices/sim-001');
    assert.equal(await page.locator('.list-page').isHidden(), true, 'the list gives way to the device page');
    await page.goBack();
    await page.locator('.list-page:not([hidden])').waitFor();
    assert.equal(await detail.count(), 0);
    await page.goForward();
    await detail.waitFor();
    await page.reload();
    await detail.getByRole('heading', { name: 'Simulated climate sensor 1' }).waitFor();
    await page.getByRole('link', { name: 'All devices' }).click();
    await page.locator('.list-page:not([hidden])').waitFor();
  });

  it('shows presence history, metrics with units and values in the locale, and the relay state', async () => {
    await page.goto(`${hub.url}/#/devices/sim-001`);
    const detail = page.locator('section.detail[data-device-id="sim-001"]');
    await detail.locator('.presence-history li[data-state="online"]').first().waitFor();
    // Newest first; the oldest is the device coming online (a loaded machine may add stale spells).
    assert.match(
      await detail.locator('.presence-history li').last().innerText(),
      /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} online from unknown · /,
    );
    const temperature = detail.locator('.metric-table tr[data-metric="temperature"]');
    await waitFor('a temperature with a decimal comma', async () =>
      /^\d+,\d+ °C$/.test(await temperature.locator('.metric-value').innerText()),
    );
    assert.equal(await temperature.locator('td').first().innerText(), '°C');
    assert.equal(await detail.locator('.metric-table tr[data-metric="humidity"] td').first().innerText(), '%');
    const relay = detail.getByRole('switch', { name: 'relay (relay)' });
    assert.equal(await relay.getAttribute('aria-checked'), 'false');
    await relay.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Switch relay on' }).click();
    await relay.locator('xpath=self::*[@aria-checked="true"]').waitFor();
    assert.match(await detail.locator('.actuator-now').innerText(), /^on · acked command \d{2}:\d{2}:\d{2}$/);
    await detail.locator('.recent-commands li[data-state="acked"]').waitFor();
    // The state outlives the page: open the list and come back.
    await page.goBack();
    await page.goForward();
    await detail.getByRole('switch', { name: 'relay (relay)' }).locator('xpath=self::*[@aria-checked="true"]').waitFor();
    await page.screenshot({ path: artifactPath('11-device-page.png'), fullPage: true });
  });

  it("lists the device's refusals: the stored one and those the stream reports, with reason, topic and time", async () => {
    await page.goto(`${hub.url}/#/devices/probe-1`);
    const rows = page.locator('section.detail[data-device-id="probe-1"] .refusal-table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    const [when, code, reason, topic, source] = await rows.first().locator('td').allInnerTexts();
    assert.match(when, /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);
    assert.equal(code, 'malformed');
    assert.match(reason, /^malformed JSON/);
    assert.equal(topic, 'devices/probe-1/telemetry');
    assert.equal(source, 'mqtt');
    await probe.publishAsync('devices/probe-1/telemetry', JSON.stringify({ seq: 0, readings: {} }), { qos: 1 });
    await waitFor('the live refusal on the page', async () => (await rows.count()) === 2);
    assert.equal(await rows.first().getAttribute('data-code'), 'no_readings');
  });

  it('asks for exactly 15 minutes, reads out time and value under the pointer, and labels axes in the locale', async () => {
    await page.goto(`${hub.url}/#/devices/sim-001`);
    const history = page.locator('section.detail[data-device-id="sim-001"] section.history');
    await history.locator('xpath=self::*[@data-state="loaded"]').waitFor();
    requests.length = 0;
    await history.getByLabel('15 min').check();
    await history.locator('xpath=self::*[@data-state="loaded"]').waitFor();
    const asked = requests
      .filter((u) => u.includes('/api/devices/sim-001/readings') && u.includes('metric=temperature'))
      .map((u) => new URL(u).searchParams);
    assert.ok(asked.length > 0, 'the history was asked for');
    const from = Math.min(...asked.map((q) => Number(q.get('from'))));
    const to = Math.max(...asked.map((q) => Number(q.get('to'))));
    assert.equal(to - from, 15 * 60_000, `asked from ${from} to ${to}`);

    const chart = history.locator('.chart[data-metric="temperature"]');
    await chart.scrollIntoViewIfNeeded();
    await waitFor('points on the chart', async () => Number(await chart.getAttribute('data-points')) > 3);
    await hoverAndRead(page, chart, /^\d{2}:\d{2}:\d{2} · \d+(,\d+)? °C$/);
    await checkTicks(chart);
  });

  it('draws live charts that were hidden while their data arrived, with readout and locale ticks', async () => {
    await page.goto(`${hub.url}/#/devices/sim-002`);
    await page.locator('section.detail[data-device-id="sim-002"]').waitFor();
    await page.getByRole('link', { name: 'All devices' }).click();
    const chart = page.locator('.live-chart[data-device-id="sim-001"][data-metric="temperature"]');
    await chart.scrollIntoViewIfNeeded();
    await waitFor('the live chart drawn', async () => Number(await chart.getAttribute('data-points')) > 3);
    // Hidden behind a device page while points arrive, then shown again.
    await page.locator('tr[data-device-id="sim-002"] a').click();
    const hiddenAt: number = await chart.evaluate((el) => (window as any).__dashboardChartPoints(el).xs.length);
    await waitFor(
      'points arriving while hidden',
      async () => (await chart.evaluate((el) => (window as any).__dashboardChartPoints(el).xs.length)) > hiddenAt + 5,
    );
    assert.ok(Number(await chart.getAttribute('data-points')) <= hiddenAt, 'nothing is drawn while hidden');
    await page.goBack();
    await waitFor('the hidden points drawn once shown', async () => Number(await chart.getAttribute('data-points')) > hiddenAt + 5);
    const box = (await chart.locator('.u-over').boundingBox())!;
    assert.ok(box.width > 200, `the chart is drawn at its width (${box.width} px)`);
    await hoverAndRead(page, chart, /^\d{2}:\d{2}:\d{2} · \d+(,\d+)? °C$/);
    await checkTicks(chart);
    assert.deepEqual(pageErrors, []);
  });
});

async function hoverAndRead(page: Page, chart: ReturnType<Page['locator']>, pattern: RegExp): Promise<void> {
  const over = chart.locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
  await waitFor('a readout under the pointer', async () => (await chart.getAttribute('data-readout')) !== '');
  const text = (await chart.locator('.chart-readout').innerText()).trim();
  assert.match(text, pattern);
  await page.mouse.move(0, 0);
}

async function checkTicks(chart: ReturnType<Page['locator']>): Promise<void> {
  const y = ((await chart.getAttribute('data-y-ticks')) ?? '').split('|');
  assert.ok(y.length >= 3, `y ticks: ${y.join(' ')}`);
  for (const label of y) assert.match(label, /^-?\d{1,3}(\.\d{3})*(,\d+)?$/, `y tick ${label} in German`);
  const x = ((await chart.getAttribute('data-x-ticks')) ?? '').split('|');
  assert.ok(x.length >= 2, `x ticks: ${x.join(' ')}`);
  const format = x[0].length;
  for (const label of x) {
    assert.match(label, /^\d{2}:\d{2}(:\d{2})?$/, `x tick ${label} is a 24-hour time`);
    assert.equal(label.length, format, 'one format per axis');
  }
}
