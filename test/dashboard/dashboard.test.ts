// The dashboard in a real browser (Debian's chromium) against a real hub with simulated devices
// and auth on: sign in, devices online, a live chart growing and joined to its history without
// a gap or a duplicate, a relay switched and acked over the control channel, a halted device
// going offline, a 24 h history fetched as an aggregation, the viewer role kept from switching,
// themes and keyboard use (the phone layout: phone.test.ts). Screenshots go to test-artifacts/dashboard/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { getJson, startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { teardown } from '../helpers/teardown.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';
import { assertChartMatchesStore, backfillDay } from './hub-data.ts';

const SAMPLE_MS = 200;

describe('dashboard in chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let adminToken: string;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    await buildDashboard();
    hub = await startHub({ simulate: 3, simulateIntervalMs: SAMPLE_MS, auth: 'on' });
    adminToken = readFileSync(join(hub.dataDir, 'admin-token'), 'utf8').trim();
    await backfillDay(hub, 'sim-003');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('asks for a token, refuses a wrong one and signs in with the admin token', async () => {
    await page.goto(hub.url);
    const input = page.getByLabel('Access token');
    await input.waitFor();
    await page.screenshot({ path: artifactPath('01-login.png') });
    await input.fill('thub_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The hub did not accept this token.').waitFor();
    await input.fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#role[data-role="admin"]').waitFor();
    await page.locator('#connection[data-state="live"]').waitFor();
  });

  it('lists the simulated devices online with transport, firmware and latest values', async () => {
    for (const id of ['sim-001', 'sim-002', 'sim-003']) {
      await page.locator(`tr[data-device-id="${id}"] [data-presence="online"]`).waitFor();
    }
    const row = page.locator('tr[data-device-id="sim-002"]');
    const device = hub.hub.devices.get('sim-002')!;
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[2], device.transport);
    assert.equal(cells[3], device.firmware);
    await waitFor('a latest power value in the table', async () => /power \d/.test(await row.locator('td.values').innerText()));
    await page.screenshot({ path: artifactPath('02-devices.png'), fullPage: true });
  });

  it('filters the list by search text and by presence', async () => {
    await page.getByLabel('Search').fill('meter');
    await waitFor('only the meter', async () => (await page.locator('tbody tr').count()) === 1);
    assert.equal(await page.locator('tbody tr').getAttribute('data-device-id'), 'sim-002');
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Presence').selectOption('offline');
    await waitFor('no offline device', async () => (await page.locator('tbody tr').count()) === 0);
    await page.getByLabel('Presence').selectOption('');
    await waitFor('all devices again', async () => (await page.locator('tbody tr').count()) === 3);
  });

  it('draws live charts that grow and join the stored history without a gap or a duplicate', async () => {
    const chart = page.locator('.live-chart[data-device-id="sim-001"][data-metric="temperature"]');
    await chart.waitFor();
    await chart.scrollIntoViewIfNeeded(); // charts out of view are not redrawn
    const before = Number(await chart.getAttribute('data-points'));
    await waitFor('the live chart to grow', async () => Number(await chart.getAttribute('data-points')) >= before + 5);
    await assertChartMatchesStore(hub, chart, 'sim-001', 'temperature', adminToken);
  });

  it('shows the stream reconnecting when the hub drops it and resumes without a gap', async () => {
    const chart = page.locator('.live-chart[data-device-id="sim-001"][data-metric="temperature"]');
    await chart.scrollIntoViewIfNeeded();
    hub.hub.live.closeAll();
    await page.locator('#connection[data-state="reconnecting"]').waitFor();
    await page.locator('#connection[data-state="live"]').waitFor();
    const resumedAt = Date.now();
    await waitFor('points after the resume', async () => Number(await chart.getAttribute('data-last-ts')) > resumedAt + SAMPLE_MS);
    await assertChartMatchesStore(hub, chart, 'sim-001', 'temperature', adminToken);
  });

  it('switches the relay after a confirmation and shows the command acked and the switch on, then off', async () => {
    await page.locator('tr[data-device-id="sim-002"] a').click();
    const detail = page.locator('section.detail[data-device-id="sim-002"]');
    await detail.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'detail-title');
    const relay = detail.getByRole('switch', { name: 'relay (relay)' });
    assert.equal(await relay.innerText(), 'unknown', 'nothing says yet whether the relay is on');
    for (const [on, word] of [
      [true, 'on'],
      [false, 'off'],
    ] as const) {
      await relay.click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), new RegExp(`Switch relay ${word} on Simulated power meter 2`));
      if (!on) await page.screenshot({ path: artifactPath('03-confirm.png') });
      await dialog.getByRole('button', { name: `Switch relay ${word}` }).click();
      const state = detail.locator('.actuator[data-actuator="relay"] .command-state');
      await state.locator('xpath=self::*[@data-state="acked"]').waitFor();
      await relay.locator(`xpath=self::*[@aria-checked="${on}"]`).waitFor();
      assert.equal(await relay.innerText(), word);
      assert.match(
        await detail.locator('.actuator[data-actuator="relay"] .actuator-now').innerText(),
        new RegExp(`^${word} · acked command`),
      );
    }
    const commands = await hub.hub.store.loadCommands({ deviceId: 'sim-002' });
    assert.ok(
      commands.some((c) => c.state === 'acked' && c.params.relay === false),
      'the hub holds the acked command',
    );
    await page.screenshot({ path: artifactPath('04-acked.png'), fullPage: true });
  });

  it('does nothing when the confirmation is cancelled', async () => {
    const detail = page.locator('section.detail[data-device-id="sim-002"]');
    const before = (await hub.hub.store.loadCommands({ deviceId: 'sim-002' })).length;
    await detail.getByRole('switch', { name: 'relay (relay)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    assert.equal((await hub.hub.store.loadCommands({ deviceId: 'sim-002' })).length, before);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'switch', 'focus returns to the switch');
  });

  it('sends a free-form command and shows the device refusing it, after checking its JSON', async () => {
    const detail = page.locator('section.detail[data-device-id="sim-002"]');
    await detail.getByLabel('Action').fill('reboot');
    await detail.getByLabel('Parameters (JSON object)').fill('{"after": ');
    await detail.getByRole('button', { name: 'Send command' }).click();
    await detail.getByText('Parameters are not valid JSON').waitFor();
    assert.equal(await page.getByRole('dialog').isVisible(), false, 'nothing to confirm for bad JSON');
    await detail.getByLabel('Parameters (JSON object)').fill('{"after": 5}');
    await detail.getByRole('button', { name: 'Send command' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
    const failed = detail.locator('.recent-commands li[data-state="failed"]');
    await failed.waitFor();
    assert.match(await failed.innerText(), /reboot \{"after":5\} failed – unknown action reboot/);
    // The relay switch sent before is listed with its final state too.
    await detail.locator('.recent-commands li[data-state="acked"]').first().waitFor();
  });

  it('opens a 24 h history as an aggregation fitted to the chart width', async () => {
    await page.getByRole('link', { name: 'All devices' }).click();
    await page.locator('tr[data-device-id="sim-003"] a').click();
    const history = page.locator('section.detail[data-device-id="sim-003"] section.history');
    await history.locator('xpath=self::*[@data-state="loaded"]').waitFor();
    requests.length = 0;
    await history.getByLabel('24 h').check();
    await history.locator('xpath=self::*[@data-state="loaded"]').waitFor();
    const every = await history.getAttribute('data-every');
    assert.ok(every && every !== 'raw', `24 h is aggregated, got ${every}`);
    assert.ok(
      requests.some((u) => u.includes('/api/devices/sim-003/readings') && u.includes(`every=${every}`)),
      'REST was asked for that window',
    );
    const chart = history.locator('.chart[data-metric="temperature"]');
    await chart.scrollIntoViewIfNeeded();
    await waitFor('the 24 h chart drawn', async () => Number(await chart.getAttribute('data-points')) > 0);
    const points = Number(await chart.getAttribute('data-points'));
    // The backfilled day (one reading every 2 minutes) spans ~24 h of windows.
    assert.ok(points > 100 && points <= 1000, `24 h chart has ${points} points`);
    await page.screenshot({ path: artifactPath('05-history-24h.png'), fullPage: true });
  });

  it('zooms into a dragged range with a finer window', async () => {
    const history = page.locator('section.detail[data-device-id="sim-003"] section.history');
    const everyBefore = await history.getAttribute('data-every');
    const canvas = history.locator('.chart[data-metric="temperature"] .u-over');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await waitFor('a finer window after zooming', async () => (await history.getAttribute('data-every')) !== everyBefore);
    await history.getByRole('button', { name: 'Reset zoom' }).waitFor();
  });

  it('keeps a live history range joined to the stored aggregation, window by window', async () => {
    const history = page.locator('section.detail[data-device-id="sim-003"] section.history');
    await history.getByLabel('15 min').check();
    await history.locator('xpath=self::*[@data-state="loaded"]').waitFor();
    const every = (await history.getAttribute('data-every'))!;
    assert.notEqual(every, 'raw');
    const chart = history.locator('.chart[data-metric="humidity"]');
    await chart.scrollIntoViewIfNeeded();
    const loadedAt = Date.now();
    // Let live points open and close a few windows after the history came in.
    await waitFor(
      'live windows after the load',
      async () => Number(await chart.getAttribute('data-last-ts')) > loadedAt + 2 * Number.parseInt(every, 10) * 1000,
    );
    const { xs, ys }: { xs: number[]; ys: number[] } = await chart.evaluate((el) => (window as any).__dashboardChartPoints(el));
    const lastClosed = xs.length - 1; // the newest window is still open
    const stored = await getJson(
      `${hub.url}/api/devices/sim-003/readings?metric=humidity&from=${xs[0]}&to=${xs[lastClosed]}&every=${every}&token=${adminToken}`,
    );
    const points: Array<{ ts: number; value: number }> = stored.body.points;
    assert.deepEqual(
      xs.slice(0, lastClosed),
      points.map((p) => p.ts),
      'the same windows: no gap, no duplicate',
    );
    for (const [i, p] of points.entries()) assert.ok(Math.abs(p.value - ys[i]) < 1e-6, `window ${p.ts}: ${ys[i]} shown, ${p.value} stored`);
  });

  it('shows a halted device go offline', async () => {
    await page.goBack();
    await page.locator('.list-page:not([hidden])').waitFor();
    assert.equal(hub.hub.simulator!.halt('sim-001'), true);
    await page.locator('tr[data-device-id="sim-001"] [data-presence="offline"]').waitFor();
    await page.screenshot({ path: artifactPath('06-offline.png'), fullPage: true });
    // The live charts follow the list's filter.
    await page.getByLabel('Presence').selectOption('offline');
    await waitFor('only the offline device charted', async () => {
      const ids = await page.locator('.live-chart').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.deviceId));
      return ids.length === 2 && ids.every((id) => id === 'sim-001');
    });
    await page.getByLabel('Presence').selectOption('');
    await waitFor('every chart back', async () => (await page.locator('.live-chart').count()) === 6);
  });

  it('switches to the dark theme and back', async () => {
    const toggle = page.getByRole('button', { name: 'Dark theme' });
    const wasDark = (await toggle.getAttribute('aria-pressed')) === 'true';
    await toggle.click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), wasDark ? 'light' : 'dark');
    if (!wasDark) await page.screenshot({ path: artifactPath('07-dark.png'), fullPage: true });
    await toggle.click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), wasDark ? 'dark' : 'light');
  });

  it('labels every form control and works from the keyboard alone', async (t) => {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    const p = await context.newPage();
    teardown(t, () => p.close());
    await p.goto(hub.url);
    await p.locator('tr[data-device-id="sim-002"]').waitFor();
    const focused = () => p.evaluate(() => document.activeElement?.id || document.activeElement?.className || '');
    await p.keyboard.press('Tab');
    assert.equal(await focused(), 'skip-link');
    await p.keyboard.press('Enter');
    await p.keyboard.press('Tab');
    assert.equal(await focused(), 'add-device', 'the skip link leads to the page: first an admin may add a device');
    await p.keyboard.press('Tab');
    assert.equal(await focused(), 'device-search', 'then the device search');
    for (let i = 0; i < 6 && (await focused()) !== 'link'; i++) await p.keyboard.press('Tab');
    assert.equal(await focused(), 'link', 'tabbing reaches the first device');
    await p.keyboard.press('Enter');
    await p.locator('section.detail').waitFor();
    assert.equal(await focused(), 'detail-title', 'opening a device moves focus to its panel');
  });

  it('keeps a viewer from switching outputs', async (t) => {
    const { token } = await hub.hub.tokens.add('viewer', 'dashboard test');
    const viewer = await browser.newContext();
    teardown(t, () => viewer.close());
    const p = await viewer.newPage();
    await p.goto(`${hub.url}/?token=${token}`);
    await p.locator('#role[data-role="viewer"]').waitFor();
    assert.equal(new URL(p.url()).searchParams.get('token'), null, 'the token left the address bar');
    await p.locator('tr[data-device-id="sim-002"] a').click();
    const relay = p.locator('section.detail').getByRole('switch', { name: 'relay (relay)' });
    await relay.waitFor();
    assert.equal(await relay.isDisabled(), true);
    assert.match(await p.locator('section.control').innerText(), /viewer/);
  });

  it('ran without uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
