// A device's refusals on its card in a real browser (Debian's chromium): a device sends messages
// over real MQTT that the hub refuses, and its row shows the latest refusal's code and detail,
// how many there were and when, as the live stream reports them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { provision, rawClient } from '../transports/mqtt/mqtt-helpers.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

describe('refusals on the device card', () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  let device: MqttClient;
  const pageErrors: string[] = [];

  before(async () => {
    await buildDashboard();
    hub = await startHub();
    const key = await provision(hub, 'probe-1');
    device = await rawClient(hub, { clientId: 'probe-1', username: 'probe-1', password: key });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await device?.endAsync();
    await browser?.close();
    await hub?.stop();
  });

  it('shows no refusal for a device that has none', async () => {
    await page.goto(hub.url);
    await page.locator('#connection[data-state="live"]').waitFor();
    const cell = page.locator('tr[data-device-id="probe-1"] td.refusal');
    await cell.waitFor();
    assert.equal(await cell.getAttribute('data-code'), '');
    assert.equal((await cell.innerText()).trim(), '–');
  });

  it('shows the latest refusal with its code, detail, count and time as the device is refused', async () => {
    await device.publishAsync('devices/probe-1/telemetry', '{not json', { qos: 1 });
    const cell = page.locator('tr[data-device-id="probe-1"] td.refusal');
    await cell.locator('xpath=self::*[@data-code="malformed"]').waitFor();
    assert.match(await cell.locator('.refusal-detail').innerText(), /^malformed JSON/);
    assert.match(await cell.locator('.refusal-when').innerText(), /^1 refusal, last (just now|\d+ s ago)$/);

    await device.publishAsync('devices/probe-1/telemetry', JSON.stringify({ seq: 0, readings: {} }), { qos: 1 });
    await device.publishAsync('devices/probe-1/telemetry', JSON.stringify({ seq: 1, readings: {} }), { qos: 1 });
    await cell.locator('xpath=self::*[@data-code="no_readings"]').waitFor();
    assert.equal(await cell.locator('.refusal-detail').innerText(), 'message holds no readings');
    // The live feed sends at most one refusal per device and second (the newest, with the running
    // count): the first no_readings may show before the second has been counted.
    await waitFor('the running count of 3', async () => /^3 refusals, last /.test(await cell.locator('.refusal-when').innerText()));
    assert.match((await cell.getAttribute('title')) ?? '', /^mqtt: message holds no readings \(/);
    await page.screenshot({ path: artifactPath('09-refusal.png'), fullPage: true });
  });

  it('ran without uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
