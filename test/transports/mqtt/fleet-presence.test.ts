// A fleet connecting at once, as after a restart of the hub: every device's presence is stored,
// in each device's order, and the history is written in group commits (fewer store writes than
// changes), read back through the REST API as soon as the hub shows the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { rawClient } from './mqtt-helpers.js';

const FLEET = 200;
const ids = Array.from({ length: FLEET }, (_, i) => `fleet-${String(i).padStart(3, '0')}`);

/** A counter of /metrics, summed over the label sets that match `labels` (e.g. 'result="ok"'). */
async function counter(t: TestHub, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (labels === '' || line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

async function historyOf(t: TestHub, id: string): Promise<string[]> {
  const { status, body } = await getJson(`${t.url}/api/devices/${id}`);
  assert.equal(status, 200);
  return body.presenceHistory.map((c: { state: string; previous: string; reason: string }) => `${c.previous}>${c.state}: ${c.reason}`);
}

test(`${FLEET} devices connecting and leaving at once: every change is stored, in order, in fewer writes than changes`, async (ctx) => {
  // The store on its own thread, as the hub runs by default: its writes take time, during which
  // the changes of further connects queue up for the next write.
  const t = await startHub(ctx, { mqttAllowAnonymous: true, storeThread: 'worker' });
  const clients: MqttClient[] = await Promise.all(ids.map((clientId) => rawClient(ctx, t, { clientId })));
  await waitFor('every device online', () => ids.every((id) => t.hub.devices.get(id)?.presence === 'online'));
  // No waiting for the store: the REST history holds every change the hub already shows.
  for (const id of ids) assert.deepEqual(await historyOf(t, id), ['unknown>online: connected'], id);
  assert.equal(await counter(t, 'hub_presence_changes_stored_total'), FLEET);
  const connectWrites = await counter(t, 'hub_presence_writes_total', 'result="ok"');
  assert.ok(connectWrites >= 1 && connectWrites < FLEET, `${connectWrites} writes for ${FLEET} connects`);

  await Promise.all(clients.map((c) => c.endAsync()));
  await waitFor('every device offline', () => ids.every((id) => t.hub.devices.get(id)?.presence === 'offline'));
  for (const id of ids) {
    assert.deepEqual(await historyOf(t, id), ['online>offline: disconnected', 'unknown>online: connected'], id);
  }
  assert.equal(await counter(t, 'hub_presence_changes_stored_total'), 2 * FLEET);
  const allWrites = await counter(t, 'hub_presence_writes_total', 'result="ok"');
  assert.ok(allWrites - connectWrites < FLEET, `${allWrites - connectWrites} writes for ${FLEET} disconnects`);
  assert.equal(await counter(t, 'hub_presence_writes_total', 'result="failed"'), 0);
});

test('presence changes still queued when the hub stops are written before the store closes', async (ctx) => {
  const t = await startHub(ctx, { mqttAllowAnonymous: true });
  await Promise.all(ids.slice(0, 50).map((clientId) => rawClient(t, { clientId })));
  await waitFor('every device online', () => ids.slice(0, 50).every((id) => t.hub.devices.get(id)?.presence === 'online'));
  // Stopping closes the broker: every connection's offline change is made during stop().
  await t.stop({ keepData: true });
  const again = await startHub(ctx, { mqttAllowAnonymous: true, dataDir: t.dataDir });
  for (const id of ids.slice(0, 50)) {
    const history = await again.hub.store.presenceHistory(id, 10);
    assert.deepEqual(
      history.map((c) => c.state),
      ['offline', 'online'],
      id,
    );
  }
});
