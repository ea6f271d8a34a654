// A device's lifecycle from the dashboard in a real browser (Debian's chromium) against the real
// admin API with auth on: an admin adds an MQTT device, copies its key, and a real MQTT client
// logs in with the settings shown and sends the example message; adding the id again asks before
// replacing the key; the device is renamed, re-keyed (the old key stops working) and removed,
// once keeping and once purging its history. A viewer sees none of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { teardown } from '../helpers/teardown.ts';
import { rawClient } from '../transports/mqtt/mqtt-helpers.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

describe('device lifecycle in the dashboard', () => {
  let hub: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const keys: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    await buildDashboard();
    hub = await startHub({ auth: 'on' });
    const token = readFileSync(join(hub.dataDir, 'admin-token'), 'utf8').trim();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub.url });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${hub.url}/?token=${token}`);
    await page.locator('#connection[data-state="live"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  async function addDevice(id: string, name?: string): Promise<Locator> {
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a device' });
    await dialog.getByLabel('Device id').fill(id);
    if (name) await dialog.getByLabel('Name (optional)').fill(name);
    await dialog.getByRole('button', { name: 'Add' }).click();
    return dialog;
  }

  async function publishWith(t: TestContext, id: string, key: string, payload: string): Promise<void> {
    const device = await rawClient(t, hub, { clientId: id, username: id, password: key });
    await device.publishAsync(`devices/${id}/telemetry`, payload, { qos: 1 });
  }

  it('adds an MQTT device and shows its key once with a copy button and the exact connection settings', async (t) => {
    const dialog = await addDevice('kitchen', 'Kitchen');
    const key = await dialog.getByLabel('Device key (MQTT password)').inputValue();
    assert.match(key, /\S{16,}/);
    keys.push(key);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
    const settings = await dialog.locator('dl.settings').innerText();
    assert.match(settings, /Host\s+127\.0\.0\.1/);
    assert.match(settings, /Username\s+kitchen/);
    assert.match(settings, new RegExp(`Port\\s+${hub.hub.mqtt.port} \\(MQTT over TCP\\)`), 'the port the broker listens on');
    assert.match(settings, /Publish readings to\s+devices\/kitchen\/telemetry/);
    const example = await dialog.locator('pre.example').innerText();
    await page.screenshot({ path: artifactPath('14-device-added.png') });
    await dialog.getByRole('button', { name: 'Done' }).click();
    // The settings shown are the ones that work: log in with them and send the example.
    await publishWith(t, 'kitchen', key, example);
    const row = page.locator('tr[data-device-id="kitchen"]');
    await waitFor('the example reading in the list', async () => /temperature 21\.5/.test(await row.locator('td.values').innerText()));
    assert.match(await row.innerText(), /Kitchen/);
  });

  it('asks before replacing the key of an id that has one', async () => {
    const dialog = await addDevice('kitchen');
    await dialog.getByText('kitchen has a key already').waitFor();
    assert.equal(await dialog.getByLabel('Device key (MQTT password)').count(), 0, 'no key without asking');
    await dialog.getByLabel('Replace its key (the old key stops working)').check();
    await dialog.getByRole('button', { name: 'Add' }).click();
    const key = await dialog.getByLabel('Device key (MQTT password)').inputValue();
    assert.notEqual(key, keys[0]);
    keys.push(key);
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  it('renames the device and makes it a new key, after which the old one is refused', async (t) => {
    await page.locator('tr[data-device-id="kitchen"] a').click();
    const detail = page.locator('section.detail[data-device-id="kitchen"]');
    await detail.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Kitchen sensor');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await detail.getByRole('heading', { name: 'Kitchen sensor' }).waitFor();
    assert.equal(hub.hub.devices.get('kitchen')?.name, 'Kitchen sensor');

    await detail.getByRole('button', { name: 'New key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Make a new key' }).click();
    const keyDialog = page.getByRole('dialog', { name: 'New key for kitchen' });
    const key = await keyDialog.getByLabel('Device key (MQTT password)').inputValue();
    assert.ok(!keys.includes(key));
    await keyDialog.getByRole('button', { name: 'Done' }).click();
    await assert.rejects(publishWith(t, 'kitchen', keys[1], '{}'), 'the replaced key is refused');
    await publishWith(t, 'kitchen', key, JSON.stringify({ seq: 1, readings: { temperature: 22.5 } }));
    keys.push(key);
  });

  it('removes a device keeping its history, and another purging it, after a confirmation', async (t) => {
    const detail = page.locator('section.detail[data-device-id="kitchen"]');
    await detail.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove kitchen?' });
    assert.equal(await confirm.getByLabel('Keep them (queries by id still answer)').isChecked(), true, 'keeping is the default');
    await page.screenshot({ path: artifactPath('15-remove.png') });
    await confirm.getByRole('button', { name: 'Remove kitchen' }).click();
    await page.locator('.list-page:not([hidden])').waitFor();
    await page.locator('tr[data-device-id="kitchen"]').waitFor({ state: 'detached' });
    const kept = await hub.hub.store.queryRaw({ deviceId: 'kitchen', from: 0, to: Date.now() + 60_000, limit: 10 });
    assert.ok(kept.readings.length >= 1, 'the history is kept');

    const dialog = await addDevice('garage');
    const key = await dialog.getByLabel('Device key (MQTT password)').inputValue();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await publishWith(t, 'garage', key, JSON.stringify({ seq: 0, readings: { temperature: 9.5 } }));
    await page.locator('tr[data-device-id="garage"]').waitFor();
    await waitFor(
      'the garage reading stored',
      async () => (await hub.hub.store.queryRaw({ deviceId: 'garage', from: 0, to: Date.now() + 60_000, limit: 10 })).readings.length === 1,
    );
    await page.goto(`${hub.url}/#/devices/garage`);
    await page.getByRole('button', { name: 'Remove' }).click();
    const purge = page.getByRole('dialog', { name: 'Remove garage?' });
    await purge.getByLabel('Delete them for good').check();
    await purge.getByRole('button', { name: 'Remove garage' }).click();
    await page.locator('.list-page:not([hidden])').waitFor();
    await page.locator('tr[data-device-id="garage"]').waitFor({ state: 'detached' });
    const purged = await hub.hub.store.queryRaw({ deviceId: 'garage', from: 0, to: Date.now() + 60_000, limit: 10 });
    assert.equal(purged.readings.length, 0, 'the history is purged');
  });

  it('shows a viewer none of the lifecycle controls', async (t) => {
    const { token } = await hub.hub.tokens.add('viewer', 'dashboard test');
    const viewer = await browser.newContext();
    teardown(t, () => viewer.close());
    const p = await viewer.newPage();
    await p.goto(`${hub.url}/?token=${token}`);
    await p.locator('#role[data-role="viewer"]').waitFor();
    await p.locator('#connection[data-state="live"]').waitFor();
    assert.equal(await p.getByRole('button', { name: 'Add device' }).count(), 0);
    assert.deepEqual(pageErrors, []);
  });
});
