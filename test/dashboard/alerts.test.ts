// Alerts in the dashboard, end to end with real parts: a hub process (auth on), Debian's chromium,
// an MQTT device (the device client over mqtt.js) and a real HTTP server receiving the webhooks.
// An operator makes a threshold rule by filling the form; a breach fires it (signed webhook, the
// banner and the alert page follow the stream, an independent SSE client sees the event); the hub
// is killed with SIGKILL and restarted on the same data directory, and the alert is still firing
// without a second webhook; the value recovers and the alert resolves. A bad rule shows the hub's
// reason beside the form; a viewer reads rules and alerts without edit or acknowledge controls;
// the operator edits the rule and deletes it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DeviceClient } from '../../src/device-client/client.ts';
import { waitFor } from '../helpers/hub.ts';
import { freePort, startHubProcess, type HubProcess } from '../helpers/hub-process.ts';
import { teardown } from '../helpers/teardown.ts';
import { openSse } from '../live/sse-reader.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { artifactPath, buildDashboard, launchChromium } from './browser.ts';

const SECRET = 'dashboard-hook-secret';

describe('alerts in the dashboard', () => {
  let dataDir: string;
  let httpPort: string;
  let mqttPort: number;
  let hub: HubProcess;
  let browser: Browser;
  let page: Page;
  let device: DeviceClient;
  let receiver: WebhookReceiver;
  const tokens = { admin: '', operator: '', viewer: '' };
  const pageErrors: string[] = [];
  /** Requests the page made to GET /api/alerts, to tell REST reads from stream updates. */
  const alertReads: string[] = [];
  let ts = Date.now() - 10 * 60_000;

  async function call(method: string, path: string, token: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${hub.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  }

  /** The same ports every time, so the page and the device find the restarted hub. */
  const startTheHub = () => startHubProcess({ dataDir, mqttPort, args: ['--auth', 'on', '--http-port', httpPort] });

  /** One reading of the freezer, a second of reading time after the one before. */
  async function publish(temp: number): Promise<void> {
    ts += 1_000;
    device.send({ temp }, ts);
    await device.drained();
  }

  const banner = () => page.locator('section.alert-banner');

  before(async () => {
    await buildDashboard();
    dataDir = mkdtempSync(join(tmpdir(), 'hub-ui-alerts-'));
    httpPort = String(await freePort());
    mqttPort = await freePort();
    hub = await startTheHub();
    tokens.admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    for (const role of ['operator', 'viewer'] as const) {
      const made = await call('POST', '/api/admin/tokens', tokens.admin, { role, name: `dashboard ${role}` });
      assert.equal(made.status, 201);
      tokens[role] = made.body.token;
    }
    const added = await call('POST', '/api/admin/devices', tokens.admin, { id: 'freezer-1' });
    assert.equal(added.status, 201);
    const key = added.body.key;
    device = new DeviceClient({ url: hub.mqttUrl, deviceId: 'freezer-1', key, reconnectDelayMs: 100 });
    await device.start();
    await publish(-20);
    receiver = await startWebhookReceiver({ secret: SECRET });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/api/alerts') alertReads.push(req.url());
    });
    await page.goto(`${hub.url}/?token=${tokens.operator}#/alerts/rules`);
    await page.locator('#connection[data-state="live"]').waitFor();
  });

  after(async () => {
    await device?.stop();
    await browser?.close();
    await hub?.stop();
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the reason the hub refuses a bad rule beside the form', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.locator('form.rule-form');
    await form.getByLabel('Name').fill('freezer humid');
    await form.getByLabel('Kind').selectOption('threshold');
    await form.getByLabel('Metric', { exact: true }).fill('humidity');
    await form.getByLabel('Value', { exact: true }).fill('80');
    await form.getByLabel('One device').check();
    await form.getByLabel('Device', { exact: true }).selectOption('freezer-1');
    await form.getByRole('button', { name: 'Save rule' }).click();
    const error = form.locator('#rule-error[data-code="unknown_metric"]');
    await error.waitFor();
    assert.match(
      await error.innerText(),
      /No device in the scope has this metric\. no device in the rule's scope has the metric "humidity"/,
    );

    await form.getByLabel('Metric', { exact: true }).fill('temp');
    await form.getByLabel('Duration: amount').fill('0');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await form.locator('#rule-error[data-code="bad_duration"]').waitFor();
    assert.match(await form.locator('#rule-error').innerText(), /The duration must be more than zero/);
    await page.screenshot({ path: artifactPath('30-rule-refused.png') });
    await form.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual((await call('GET', '/api/rules', tokens.viewer)).body.rules, [], 'nothing was kept');
  });

  it('makes a threshold rule with a signed webhook from the form', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.locator('form.rule-form');
    await form.getByLabel('Name').fill('freezer warm');
    await form.getByLabel('Kind').selectOption('threshold');
    await form.getByLabel('Metric', { exact: true }).fill('temp');
    await form.getByLabel('Above or below').selectOption('above');
    await form.getByLabel('Value', { exact: true }).fill('-12');
    await form.getByLabel('Duration: amount').fill('1');
    await form.getByLabel('Duration: unit').selectOption('seconds');
    await form.getByLabel('One device').check();
    await form.getByLabel('Device', { exact: true }).selectOption('freezer-1');
    await form.getByLabel('Webhook URL').fill(receiver.url);
    await form.getByLabel('Webhook secret (signs each POST)').fill(SECRET);
    await form.getByRole('button', { name: 'Save rule' }).click();
    const row = page.locator('table.rule-table tr', { hasText: 'freezer warm' });
    await row.waitFor();
    assert.match(await row.innerText(), /temp above -12 for 1 s\s+freezer-1\s+http:\/\/127\.0\.0\.1:\d+\/hook \(signed\)/);
    const { rules } = (await call('GET', '/api/rules', tokens.operator)).body;
    assert.equal(rules.length, 1);
    assert.deepEqual(
      (await call('GET', '/api/rules', tokens.viewer)).body.rules[0].webhook,
      { url: receiver.url },
      'viewers see no secret',
    );
    assert.deepEqual(
      { ...rules[0], id: undefined, createdAt: undefined, updatedAt: undefined },
      {
        name: 'freezer warm',
        kind: 'threshold',
        metric: 'temp',
        op: 'above',
        value: -12,
        durationMs: 1000,
        devices: ['freezer-1'],
        webhook: { url: receiver.url, secret: SECRET },
        id: undefined,
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
  });

  it('fires on a breach: signed webhook, SSE event, banner and alert page from the stream', async (t) => {
    const sse = await openSse(t, `${hub.url}/api/stream?types=alert&token=${tokens.viewer}`);
    assert.equal(sse.status, 200);
    const readsBefore = alertReads.length;
    await publish(-5);
    await publish(-4);
    const hook = await waitFor('the firing webhook', () => receiver.hooks[0]);
    assert.equal(hook.body.state, 'firing');
    assert.equal(hook.body.device, 'freezer-1');
    assert.equal(hook.body.values.temp, -4);
    assert.ok(hook.signed, 'X-Hub-Signature-256 is the HMAC-SHA256 of the body with the secret');
    const events = await waitFor('the SSE firing event', () =>
      sse.events.filter((e) => e.event === 'alert').find((e) => JSON.parse(e.data).transition === 'firing'),
    );
    const alertId = JSON.parse(events.data).alert.id;

    await banner().locator('strong', { hasText: '1 alert firing' }).waitFor();
    assert.match(await banner().innerText(), /newest: freezer warm on freezer-1: temp = -4, read at .* · since /);
    assert.equal(alertReads.length, readsBefore, 'the banner followed the stream, not a REST read');
    await banner().getByRole('link', { name: 'See all alerts' }).click();
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await row.locator('.alert-firing').waitFor();
    assert.match(await row.innerText(), /freezer warm\s+freezer-1/);
    // The history is read when it is opened; the receiver has the POST a moment before the hub
    // has stored the attempt's answer.
    await waitFor(
      'the delivery stored',
      async () => (await call('GET', `/api/alerts/${alertId}`, tokens.viewer)).body.deliveries.length > 0,
    );
    await row.locator('summary').click();
    await waitFor('the delivery in the history', async () =>
      /firing, attempt 1 at .*: delivered \(204\)/.test(await row.locator('ol.deliveries').innerText()),
    );
    assert.deepEqual(await row.locator('ol.transitions li').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))), [
      'pending',
      'firing',
    ]);
    await page.screenshot({ path: artifactPath('31-alert-firing.png') });

    await row.getByRole('button', { name: /Acknowledge/ }).click();
    await waitFor('the acknowledgement shown', async () => /^by /.test(await row.locator('td.alert-ack').innerText()));
    assert.ok((await call('GET', `/api/alerts/${alertId}`, tokens.viewer)).body.acknowledged, 'the hub keeps the acknowledgement');
  });

  it('keeps the alert firing across a SIGKILL and restart, without a second firing webhook', async () => {
    const [firing] = (await call('GET', '/api/alerts?state=firing', tokens.viewer)).body.alerts;
    const readsBefore = alertReads.length;
    await hub.stop('SIGKILL');
    await page.locator('#connection:not([data-state="live"])').waitFor();
    hub = await startTheHub();
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 30_000 });
    const after = (await call('GET', '/api/alerts?state=firing', tokens.viewer)).body.alerts;
    assert.deepEqual(
      after.map((a: { id: string }) => a.id),
      [firing.id],
    );
    // Back live, the page reads the alerts again from the restarted hub.
    await waitFor('the alerts read from the restarted hub', () => alertReads.length > readsBefore, 30_000);
    const row = page.locator(`tr[data-alert-id="${firing.id}"]`);
    await row.locator('.alert-firing').waitFor();
    assert.match(await banner().innerText(), /1 alert firing/);
    // Another breach updates the alert (the hub judged it) and is not announced again.
    await publish(-3);
    await waitFor('the alert updated', async () => (await call('GET', `/api/alerts/${firing.id}`, tokens.viewer)).body.values.temp === -3);
    await page.reload();
    await waitFor('the updated value in the page', async () => /temp = -3/.test(await row.locator('td.alert-values').innerText()));
    assert.equal(await row.getAttribute('data-state'), 'firing');
    assert.deepEqual(
      receiver.hooks.map((h) => h.body.state),
      ['firing'],
      'no second firing webhook',
    );
  });

  it('shows a viewer the rules and alerts without edit or acknowledge controls', async (t) => {
    const context = await browser.newContext();
    teardown(t, () => context.close());
    const viewer = await context.newPage();
    await viewer.goto(`${hub.url}/?token=${tokens.viewer}#/alerts/rules`);
    await viewer.locator('#role[data-role="viewer"]').waitFor();
    await viewer.locator('table.rule-table tr', { hasText: 'freezer warm' }).waitFor();
    assert.equal(await viewer.getByRole('button', { name: 'New rule' }).count(), 0);
    assert.equal(await viewer.getByRole('button', { name: /^(Edit|Delete) / }).count(), 0);
    await viewer.getByRole('navigation', { name: 'Alerts and rules' }).getByRole('link', { name: 'Alerts' }).click();
    await viewer.locator('tr[data-state="firing"]').waitFor();
    await viewer.locator('section.alert-banner:not([hidden])').waitFor();
    assert.equal(await viewer.getByRole('button', { name: /Acknowledge/ }).count(), 0);
  });

  it('resolves when the value is back in range: resolved webhook, banner gone', async (t) => {
    const sse = await openSse(t, `${hub.url}/api/stream?types=alert&token=${tokens.viewer}`);
    await publish(-20);
    await waitFor('the resolved webhook', () => receiver.hooks.length >= 2);
    assert.deepEqual(
      receiver.hooks.map((h) => [h.body.state, h.signed]),
      [
        ['firing', true],
        ['resolved', true],
      ],
    );
    await sse.waitForEvents(1);
    assert.equal(JSON.parse(sse.events[0].data).transition, 'resolved');
    await banner().waitFor({ state: 'hidden' });
    const row = page.locator('table[aria-labelledby="recent-alerts"] tr[data-state="resolved"]');
    await row.waitFor();
    assert.match(await row.innerText(), /freezer warm\s+freezer-1/);
    await page.screenshot({ path: artifactPath('32-alert-resolved.png') });
  });

  it('edits the rule in the form (durations in human units) and deletes it after a confirmation', async () => {
    await page.goto(`${hub.url}/#/alerts/rules`);
    await page.getByRole('button', { name: 'Edit freezer warm' }).click();
    const form = page.locator('form.rule-form');
    assert.equal(await form.getByLabel('Name').inputValue(), 'freezer warm');
    assert.equal(await form.getByLabel('Duration: amount').inputValue(), '1');
    assert.equal(await form.getByLabel('Duration: unit').inputValue(), 'seconds');
    assert.equal(await form.getByLabel('Webhook URL').inputValue(), receiver.url);
    await form.getByLabel('Duration: amount').fill('2');
    await form.getByLabel('Duration: unit').selectOption('minutes');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.locator('table.rule-table tr', { hasText: 'for 2 min' }).waitFor();
    const [rule] = (await call('GET', '/api/rules', tokens.operator)).body.rules;
    assert.equal(rule.durationMs, 120_000);
    assert.deepEqual(rule.webhook, { url: receiver.url, secret: SECRET });

    await page.getByRole('button', { name: 'Delete freezer warm' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove rule' }).click();
    await page.getByText('No rules yet.').waitFor();
    assert.deepEqual((await call('GET', '/api/rules', tokens.viewer)).body.rules, []);
    assert.deepEqual(pageErrors, []);
  });
});
