// Devices people already own, from the dashboard in a real browser (Debian's chromium) against a
// real hub with auth on: an admin adds a Tasmota plug, a Shelly Plus 1PM (Gen2), a Homie device and
// an ESPHome node with their dialects and topics (the add dialog posts them to the admin API), each
// key view says what to set in that family's MQTT settings, and a topic that is taken or invalid
// shows the hub's reason. Each device is then played by a real MQTT client logged in with the key
// the dialog showed (dialect-devices.ts: the shared fixtures where they exist); each shows up with
// live readings, presence and its dialect, its history chart has points, and one relay of each is
// switched from its page: the device receives the command on its own topic, answers as the real
// device does, and the page shows the command acked and the switch on. The add dialog with a
// family chosen, and a family's key view, pass the axe-core audit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startHub, waitFor, type TestHub } from '../helpers/hub.ts';
import { artifactPath, audit, buildDashboard, launchChromium } from './browser.ts';
import {
  ESPHOME_NODE,
  type Family,
  HOMIE_BASE,
  type Message,
  type PlayedDevice,
  playDevice,
  SHELLY_PREFIX,
  TASMOTA_TOPIC,
} from './dialect-devices.ts';

interface Case {
  family: Family;
  label: string;
  id: string;
  /** What the dialog's topic field gets; empty leaves the hub's default. */
  topic: string;
  /** How the key view names the topic setting and its value. */
  setting: RegExp;
  /** A metric whose latest value the list shows and whose history chart is drawn. */
  metric: string;
  value: RegExp;
  actuator: string;
  /** The command the device receives when its relay is switched on. */
  command: (m: Message) => boolean;
}

const CASES: Case[] = [
  {
    family: 'tasmota',
    label: 'Tasmota',
    id: 'plug-1',
    topic: TASMOTA_TOPIC,
    setting: /Topic\s+tasmota_49A3BC/,
    metric: 'energy.total',
    value: /energy\.total 1[.,]2 kWh/,
    actuator: 'power',
    command: (m) => m.topic === `${TASMOTA_TOPIC}/cmnd/POWER` && m.payload === 'ON',
  },
  {
    family: 'shelly',
    label: 'Shelly',
    id: 'plus-1pm',
    topic: SHELLY_PREFIX,
    setting: /MQTT prefix\s+shellies\/plus1pm/,
    metric: 'switch.0.voltage',
    value: /switch\.0\.voltage 232[.,]7 V/,
    actuator: 'switch.0',
    command: (m) => {
      if (m.topic !== `${SHELLY_PREFIX}/rpc`) return false;
      const { method, params, src } = JSON.parse(m.payload);
      return method === 'Switch.Set' && params.id === 0 && params.on === true && src === 'telemetry-hub/plus-1pm';
    },
  },
  {
    family: 'homie',
    label: 'Homie',
    id: 'env-1',
    topic: HOMIE_BASE,
    setting: /Base topic\s+sknSensors\/\s+Homie device id\s+LocationName/,
    metric: 'ambient.temperature',
    value: /ambient\.temperature 56[.,]98 °F/,
    actuator: 'relay.power',
    command: (m) => m.topic === `${HOMIE_BASE}/relay/power/set` && m.payload === 'true',
  },
  {
    family: 'esphome',
    label: 'ESPHome',
    id: ESPHOME_NODE,
    topic: '',
    setting: /topic_prefix\s+livingroom/,
    metric: 'temperature',
    value: /temperature 21[.,]5 °C/,
    actuator: 'relay',
    command: (m) => m.topic === `${ESPHOME_NODE}/switch/relay/command` && m.payload === 'ON',
  },
];

describe('devices of other families in the dashboard', () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  const keys = new Map<string, string>();
  const devices = new Map<string, PlayedDevice>();
  const posted: unknown[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    await buildDashboard();
    hub = await startHub({ auth: 'on' });
    const token = readFileSync(join(hub.dataDir, 'admin-token'), 'utf8').trim();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/admin/devices')) posted.push(r.postDataJSON());
    });
    await page.goto(`${hub.url}/?token=${token}`);
    await page.locator('#connection[data-state="live"]').waitFor();
  });

  after(async () => {
    // A client whose key was replaced has been disconnected by the hub already.
    for (const device of devices.values()) await device.client.endAsync(!device.client.connected);
    await browser?.close();
    await hub?.stop();
  });

  async function openAdd(id: string, family: Family, topic: string) {
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a device' });
    await dialog.getByLabel('Device id').fill(id);
    await dialog.getByLabel('Kind of device').selectOption(family);
    if (topic) await dialog.getByLabel('Device topic (optional)').fill(topic);
    return dialog;
  }

  it('adds a device of each family with its topic and shows what to set in its own MQTT settings', async () => {
    for (const c of CASES) {
      const dialog = await openAdd(c.id, c.family, c.topic);
      if (c.family === 'tasmota') {
        assert.equal(await dialog.getByLabel('Device topic (optional)').getAttribute('placeholder'), 'tasmota_49A3BC');
        assert.deepEqual(await audit(page), [], 'the add dialog with a family chosen');
        await page.screenshot({ path: artifactPath('16-add-tasmota.png') });
      }
      if (c.family === 'esphome') await dialog.getByText('Left empty: livingroom.').waitFor();
      await dialog.getByRole('button', { name: 'Add' }).click();
      const key = await dialog.getByLabel('Device key (MQTT password)').inputValue();
      keys.set(c.id, key);
      const view = dialog.locator(`.key-view[data-dialect="${c.family}"]`);
      await view.getByRole('heading', { name: `${c.label} MQTT settings` }).waitFor();
      const settings = await view.locator('dl.settings').innerText();
      assert.match(settings, c.setting);
      assert.match(settings, new RegExp(`(Username|User|username)\\s+${c.id.replace('.', '\\.')}`));
      assert.match(settings, new RegExp(String(hub.hub.mqtt.port)), 'the port the broker listens on');
      assert.doesNotMatch(await view.innerText(), /devices\/.*\/telemetry/, 'not the hub’s own topics');
      assert.match(await view.innerText(), new RegExp(`docs/devices/${c.family}\\.md`));
      if (c.family === 'tasmota') {
        assert.deepEqual(await audit(page), [], 'a family’s key view');
        await page.screenshot({ path: artifactPath('17-tasmota-key.png') });
      }
      await dialog.getByRole('button', { name: 'Done' }).click();
      assert.equal(hub.hub.devices.get(c.id)?.dialect, c.family);
    }
    assert.deepEqual(
      posted.map((body) => (body as { dialect?: string; topic?: string }).topic ?? null),
      [TASMOTA_TOPIC, SHELLY_PREFIX, HOMIE_BASE, null],
      'the topic is sent when given, the hub’s default otherwise',
    );
  });

  it('shows the hub’s reason when a topic is taken or not valid in its family', async () => {
    const dialog = await openAdd('plug-2', 'tasmota', TASMOTA_TOPIC);
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByText('is already the topic of device plug-1').waitFor();
    await dialog.getByLabel('Device topic (optional)').fill('tele/plug');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByText('must be a single topic level').waitFor();
    await page.screenshot({ path: artifactPath('18-topic-refused.png') });
    assert.equal(await dialog.getByLabel('Device key (MQTT password)').count(), 0, 'no key made');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(hub.hub.devices.get('plug-2'), undefined);
  });

  it('shows each device with its dialect, presence and live readings as its MQTT client reports', async () => {
    for (const c of CASES) {
      const device = await playDevice(hub, c.family, c.id, keys.get(c.id)!);
      devices.set(c.id, device);
      await device.report();
    }
    for (const c of CASES) {
      const row = page.locator(`tr[data-device-id="${c.id}"]`);
      await row.locator('[data-presence="online"]').waitFor();
      assert.equal(await row.locator('td').nth(2).locator('.cell-value').innerText(), `MQTT · ${c.label}`);
      await waitFor(`${c.id}: ${c.metric} live in the list`, async () => c.value.test(await row.locator('td.values').innerText()));
    }
    await page.screenshot({ path: artifactPath('19-dialect-devices.png'), fullPage: true });
  });

  for (const c of CASES) {
    it(`${c.label}: draws its history and switches ${c.actuator} on through the device's own command`, async () => {
      // The page is built from the device as the hub knows it: wait until its relay is declared.
      await waitFor(`${c.id}: ${c.actuator} declared`, () => hub.hub.devices.get(c.id)?.actuators.some((a) => a.name === c.actuator));
      await page.goto(`${hub.url}/#/devices/${encodeURIComponent(c.id)}`);
      const detail = page.locator(`section.detail[data-device-id="${c.id}"]`);
      await detail.locator('section.history[data-state="loaded"]').waitFor();
      assert.match(await detail.locator('dl.facts').innerText(), new RegExp(`Transport\\s+MQTT · ${c.label}`));
      const chart = detail.locator(`section.history [data-metric="${c.metric}"]`);
      await chart.scrollIntoViewIfNeeded(); // charts out of view are not drawn
      await waitFor(`${c.id}: ${c.metric} history drawn`, async () => Number(await chart.getAttribute('data-points')) > 0);

      const relay = detail.getByRole('switch', { name: `${c.actuator} (relay)` });
      await relay.scrollIntoViewIfNeeded();
      await relay.click();
      await page
        .getByRole('dialog')
        .getByRole('button', { name: `Switch ${c.actuator} on` })
        .click();
      const state = detail.locator(`.actuator[data-actuator="${c.actuator}"] .command-state`);
      await state.locator('xpath=self::*[@data-state="acked"]').waitFor();
      await relay.locator('xpath=self::*[@aria-checked="true"]').waitFor();
      assert.equal(await relay.innerText(), 'on');
      const received = devices.get(c.id)!.received;
      assert.equal(received.filter(c.command).length, 1, `the device got the command on its own topic: ${JSON.stringify(received)}`);
      const commands = await hub.hub.store.loadCommands({ deviceId: c.id });
      assert.ok(commands.some((command) => command.state === 'acked' && command.params[c.actuator] === true));
      await page.screenshot({ path: artifactPath(`20-${c.family}-switched.png`), fullPage: true });
    });
  }

  it('gives a device of another family a new key from its page and shows its family’s settings; its topic stays', async () => {
    await page.goto(`${hub.url}/#/devices/plug-1`);
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Make a new key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New key for plug-1' });
    const view = dialog.locator('.key-view[data-dialect="tasmota"]');
    assert.notEqual(await view.getByLabel('Device key (MQTT password)').inputValue(), keys.get('plug-1'));
    assert.match(await view.locator('dl.settings').innerText(), /Topic\s+as provisioned before/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    assert.deepEqual(await hub.hub.credentials.dialect('plug-1'), { dialect: 'tasmota', topic: TASMOTA_TOPIC });
  });

  it('raised no error in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
