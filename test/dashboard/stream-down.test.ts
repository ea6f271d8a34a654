// Device states while the live stream is down, in a real browser (Debian's chromium): the hub
// stops under a live page, every device's state turns grey and says since when the stream is
// down, and all of it comes back when a hub starts again on the same port and data directory.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { freePort } from '../helpers/hub-process.ts';
import { tempDir, teardown } from '../helpers/teardown.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

const DEVICES = ['sim-001', 'sim-002'];

it('greys every device state while the hub is down, says since when, and restores them when it is back', async (t) => {
  await buildDashboard();
  const dataDir = tempDir(t, 'hub-ui-down-');
  const settings = { simulate: 2, simulateIntervalMs: 200, dataDir, httpPort: await freePort(), mqttPort: await freePort() };
  let hub: TestHub | null = await startHub(settings);
  teardown(t, () => hub?.stop({ keepData: true }));
  const browser = await launchChromium();
  teardown(t, () => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  await page.goto(hub.url);
  await page.locator('#connection[data-state="live"]').waitFor();
  for (const id of DEVICES) await page.locator(`tr[data-device-id="${id}"] [data-presence="online"][data-stream="live"]`).waitFor();
  assert.equal(await page.locator('.devices .stream-notice').isVisible(), false);

  const stoppedAt = Date.now();
  await hub.stop({ keepData: true });
  hub = null;
  await page.locator('#connection:not([data-state="live"])').waitFor();
  for (const id of DEVICES) {
    const badge = page.locator(`tr[data-device-id="${id}"] .presence`);
    await badge.locator('xpath=self::*[@data-stream="down"]').waitFor();
    const text = await badge.innerText();
    assert.match(text, /^online\? last known; no updates since \d{1,2}:\d{2}:\d{2}/, `${id} reads ${JSON.stringify(text)}`);
    assert.notEqual(await badge.getAttribute('class'), 'presence presence-online', `${id} is no longer shown green`);
    const seen = await page.locator(`tr[data-device-id="${id}"] td`).nth(1).innerText();
    assert.match(seen, / as of \d{1,2}:\d{2}:\d{2}/, `last seen of ${id} says as of when: ${JSON.stringify(seen)}`);
  }
  const since = await page.locator('#connection').innerText();
  assert.match(since, /no updates since \d{1,2}:\d{2}:\d{2}/);
  const notice = page.locator('.devices .stream-notice');
  assert.match(await notice.innerText(), /^No live updates since \d{1,2}:\d{2}:\d{2}/);
  // The time said is when the stream went down, not when the page was opened.
  const shown = await page.evaluate(() => (document.querySelector('.presence[data-stream="down"]') as HTMLElement).dataset.key);
  const downSince = Number(shown?.split('/')[1]);
  assert.ok(downSince >= stoppedAt - 1_000, `down since ${downSince}, the hub stopped at ${stoppedAt}`);
  await page.screenshot({ path: artifactPath('10-stream-down.png'), fullPage: true });

  hub = await startHub(settings);
  await page.locator('#connection[data-state="live"]').waitFor();
  for (const id of DEVICES) await page.locator(`tr[data-device-id="${id}"] [data-presence="online"][data-stream="live"]`).waitFor();
  assert.equal(await page.locator('.presence[data-stream="down"]').count(), 0);
  await notice.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#connection').innerText(), 'live');
  assert.deepEqual(pageErrors, []);
});
