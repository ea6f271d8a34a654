// After a restart a device that has not spoken again keeps what the hub knew of it: a real hub
// stopped and started on the same data directory, and a page opened on the new one (Debian's
// chromium) shows the device offline (as its presence history says, not "unknown") with its
// latest value, before it reports anything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson, startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { tempDir, teardown } from '../helpers/teardown.ts';
import { provision, runMosquitto } from '../transports/mqtt/mqtt-helpers.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

test('a device that reported before a restart shows offline with its latest value in the page', async (t) => {
  await buildDashboard();
  const dataDir = tempDir(t, 'hub-ui-restart-');
  let hub: TestHub = await startHub({ dataDir });
  teardown(t, () => hub.stop({ keepData: true }));
  const key = await provision(hub, 'shed-1');
  // mosquitto_pub connects, publishes and disconnects: online, a reading, offline.
  const pub = await runMosquitto('mosquitto_pub', [
    ...['-h', '127.0.0.1', '-p', String(hub.hub.mqtt.port), '-u', 'shed-1', '-P', key, '-i', 'shed-1', '-q', '1'],
    ...['-t', 'devices/shed-1/telemetry', '-m', '{"temperature": 7.25}'],
  ]);
  assert.equal(pub.code, 0, pub.stderr);
  await waitFor('shed-1 offline', async () => (await getJson(`${hub.url}/api/devices/shed-1`)).body.device.presence === 'offline');
  await hub.stop({ keepData: true });

  hub = await startHub({ dataDir });
  const browser = await launchChromium();
  teardown(t, () => browser.close());
  const page = await browser.newPage();
  await page.goto(hub.url);
  const row = page.locator('tr[data-device-id="shed-1"]');
  await row.locator('[data-presence="offline"]').waitFor();
  await waitFor('the latest value in the row', async () => /temperature 7[.,]25/.test(await row.locator('td.values').innerText()));
  await page.screenshot({ path: artifactPath('21-after-restart.png') });
});
