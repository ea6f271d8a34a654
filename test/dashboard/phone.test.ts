// The dashboard on a phone-sized screen (390×844) in a real browser (Debian's chromium): device
// cards whose fields carry their labels, a page short enough to scroll, nothing wider than the
// screen, and the live charts folded away but one tap from view.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { teardown } from '../helpers/teardown.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

describe('dashboard on a phone', () => {
  let hub: TestHub;
  let browser: Browser;

  before(async () => {
    await buildDashboard();
    hub = await startHub({ simulate: 3, simulateIntervalMs: 200 });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('fits a phone screen: cards with labelled fields, a short page, no sideways scrolling', async (t) => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    teardown(t, () => phone.close());
    const p = await phone.newPage();
    await p.goto(hub.url);
    const card = p.locator('tr[data-device-id="sim-002"]');
    await card.waitFor();
    await waitFor('a latest power value on the card', async () => /power \d/.test(await card.locator('td.values').innerText()));
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow} px wider than the phone`);
    // Every field of a card says what it is, next to its value.
    const text = await card.innerText();
    for (const label of ['Presence', 'Last seen', 'Transport', 'Firmware', 'Latest values']) {
      assert.match(text, new RegExp(`${label}\\n`), `the card labels ${label}: ${JSON.stringify(text)}`);
    }
    assert.match(text, /Transport\nmqtt/);
    const box = (await card.boundingBox())!;
    assert.ok(box.height < 260, `a device card is ${box.height} px high`);
    // Three devices and their live charts (folded) fit in well under two screens.
    const height = await p.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height < 2 * 844, `the phone page is ${height} px long`);
    await p.screenshot({ path: artifactPath('08-phone.png'), fullPage: true });
    // The charts are one tap away.
    await p.locator('.live-charts > summary').click();
    await p.locator('.live-chart').first().waitFor();
  });
});
