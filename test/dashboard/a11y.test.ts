// An axe-core audit of the dashboard's main states in a real browser (Debian's chromium): the
// device list, a device page, a meter's energy view, the phone layout, the dialogs, and the alerts
// pages (the banner, a firing alert with its history, the rules and the rule form with a refusal),
// each with zero violations.
// axe-core's own source is injected into the page; nothing is fetched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { teardown } from '../helpers/teardown.ts';
import { artifactPath, audit, buildDashboard, launchChromium } from './browser.ts';

describe('accessibility (axe-core)', () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;

  before(async () => {
    await buildDashboard();
    hub = await startHub({ simulate: 2, simulateIntervalMs: 200 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('finds nothing on the device list with live charts, in both themes', async () => {
    await page.goto(hub.url);
    await page.locator('tr[data-device-id="sim-002"] [data-presence="online"]').waitFor();
    await page.locator('.live-chart[data-points]:not([data-points="0"])').first().waitFor();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'Dark theme' }).click();
  });

  it('finds nothing on a device page and in its confirmation dialog', async () => {
    await page.goto(`${hub.url}/#/devices/sim-002`);
    const detail = page.locator('section.detail[data-device-id="sim-002"]');
    await detail.locator('section.history[data-state="loaded"]').waitFor();
    await detail.locator('.presence-history li').first().waitFor();
    assert.deepEqual(await audit(page), []);
    await detail.getByRole('switch', { name: 'relay (relay)' }).click();
    await page.getByRole('dialog').waitFor();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it("finds nothing on a meter's energy view with its bars, totals and table of values, in both themes and on a phone", async (t) => {
    await hub.hub.devices.register({
      id: 'axe-meter',
      name: 'Meter',
      transport: 'mqtt',
      metrics: [
        { name: 'energy_delivered_tariff1', unit: 'kWh', kind: 'counter' },
        { name: 'energy_returned_tariff1', unit: 'kWh', kind: 'counter' },
        { name: 'gas', unit: 'm3', kind: 'counter' },
      ],
      actuators: [],
    });
    // Midday of a past day: on that day in any time zone the browser may have.
    const start = Date.UTC(2025, 5, 15, 10);
    const readings = [0, 1, 2, 3].flatMap((i) => [
      { metric: 'energy_delivered_tariff1', ts: start + i * 3_600_000, value: 100 + i * 0.4 },
      { metric: 'energy_returned_tariff1', ts: start + i * 3_600_000, value: 20 + i * 0.1 },
      { metric: 'gas', ts: start + i * 3_600_000, value: 50 + i * 0.2 },
    ]);
    const outcome = hub.hub.ingest.submit({ deviceId: 'axe-meter', readings, source: 'test-backfill' });
    await outcome.durable;
    await page.goto(`${hub.url}/#/devices/axe-meter/energy/2025-06-15`);
    const view = page.locator('section.energy[data-state="loaded"]');
    await view.waitFor();
    await waitFor('bars', async () => (await view.locator('svg rect').count()) > 0);
    for (const summary of await view.locator('details summary').all()) await summary.click();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    teardown(t, () => phone.close());
    const p = await phone.newPage();
    await p.goto(`${hub.url}/#/devices/axe-meter/energy/2025-06-15`);
    await p.locator('section.energy[data-state="loaded"]').waitFor();
    assert.deepEqual(await audit(p), []);
  });

  it('finds nothing in the admin dialogs: add a device, its key, rename and remove', async () => {
    await page.goto(hub.url);
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a device' });
    await dialog.waitFor();
    assert.deepEqual(await audit(page), []);
    await dialog.getByLabel('Device id').fill('axe-probe');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByLabel('Device key (MQTT password)').waitFor();
    assert.deepEqual(await audit(page), []);
    await page.screenshot({ path: artifactPath('12-device-key.png') });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.goto(`${hub.url}/#/devices/axe-probe`);
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('dialog').waitFor();
    assert.deepEqual(await audit(page), []);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').waitFor();
    assert.deepEqual(await audit(page), []);
    await page.keyboard.press('Escape');
  });

  it('finds nothing on the alerts pages: banner, firing alert, rules and the rule form with a refusal', async () => {
    const res = await fetch(`${hub.url}/api/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sim warm', kind: 'threshold', metric: 'temperature', op: 'above', value: -100, durationMs: 200 }),
    });
    assert.equal(res.status, 201, await res.text());
    await page.goto(`${hub.url}/#/alerts`);
    await page.locator('section.alert-banner:not([hidden])').waitFor();
    const row = page.locator('tr[data-state="firing"]').first();
    await row.locator('summary').click();
    await row.locator('ol.transitions li').first().waitFor();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'Dark theme' }).click();

    await page.goto(`${hub.url}/#/alerts/rules`);
    await page.locator('table.rule-table').waitFor();
    assert.deepEqual(await audit(page), []);
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.locator('form.rule-form');
    await form.getByLabel('Name').fill('axe probe');
    await form.getByLabel('Metric', { exact: true }).fill('no-such-metric');
    await form.getByLabel('Value', { exact: true }).fill('1');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await form.locator('#rule-error[data-code="unknown_metric"]').waitFor();
    assert.deepEqual(await audit(page), []);
    await form.getByLabel('Kind').selectOption('presence');
    await form.getByLabel('A list of devices').check();
    assert.deepEqual(await audit(page), []);
    await page.screenshot({ path: artifactPath('33-rule-form.png'), fullPage: true });
  });

  it('finds nothing on a phone, on the list and a device page', async (t) => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    teardown(t, () => phone.close());
    const p = await phone.newPage();
    await p.goto(hub.url);
    await p.locator('tr[data-device-id="sim-002"] [data-presence="online"]').waitFor();
    assert.deepEqual(await audit(p), []);
    await p.goto(`${hub.url}/#/devices/sim-001`);
    await p.locator('section.detail section.history[data-state="loaded"]').waitFor();
    assert.deepEqual(await audit(p), []);
    await p.screenshot({ path: artifactPath('13-phone-device.png'), fullPage: true });
  });
});
