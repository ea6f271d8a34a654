// The stream rules of docs/protocol.md against real MQTT clients, one case per way the promise
// used to break: a refusal followed by a ring overflow, a reboot inside the flush window, a
// stray forward seq from a second connection, a refused oversized message, and untimed batch
// entries. The one fake is the store's speed: a real SQLite store whose writes wait on a gate
// (a slow disk or a MongoDB outage, which cannot be produced on demand here).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import type { WriteBatch, WriteResult } from '../../../src/core/store.js';
import { startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { RingDevice } from '../../helpers/ring-device.js';
import { teardown, tempDir } from '../../helpers/teardown.js';
import { brokerUrl, killChildren, provision, runMosquitto } from './mqtt-helpers.js';

class GatedStore extends SqliteStore {
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  /** Writes wait from now on until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  override async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    if (this.gate) await this.gate;
    return super.writeBatch(batch);
  }
}

async function gatedHub(t: TestContext, overrides: Parameters<typeof startHub>[0] = {}): Promise<{ hub: TestHub; store: GatedStore }> {
  const store = new GatedStore(tempDir(t, 'stream-integrity-'));
  teardown(t, killChildren);
  const hub = await startHub(t, { flushIntervalMs: 10, ...overrides }, { store });
  teardown(t, () => store.release()); // a held write must not keep the hub from stopping
  return { hub, store };
}

async function ringDevice(t: TestContext, hub: TestHub, id: string, capacity: number): Promise<RingDevice> {
  const device = new RingDevice({ url: brokerUrl(hub), deviceId: id, key: await provision(hub, id), capacity });
  teardown(t, () => device.close());
  return device;
}

/** Values of metric v stored for the device, in time order. */
async function storedValues(hub: TestHub, id: string, metric = 'v'): Promise<number[]> {
  const page = await hub.hub.store.queryRaw({ deviceId: id, metric, from: 0, to: Date.now() + 60_000, limit: 10_000 });
  return page.readings.map((r) => r.value);
}

function lostCount(hub: TestHub): number {
  return hub.hub.metrics.streamLost.get({ source: 'mqtt' }) ?? 0;
}

test('a refused message that the ring then drops does not stall the device: it declares its oldest and goes on', async (t) => {
  const { hub, store } = await gatedHub(t, { maxPending: 3 });
  const device = await ringDevice(t, hub, 'ring-1', 4);
  await device.connect();
  store.hold();
  for (let v = 0; v < 4; v++) device.sample({ v });
  // 0..2 fill the hub's buffer; 3 is refused for now and the connection closed.
  await waitFor('the busy refusal', () => device.errors.find((e) => e.code === 'busy' && e.seq === 3 && e.resend));
  await waitFor('the connection closed', () => !device.isLive);
  for (let v = 4; v < 8; v++) device.sample({ v }); // the ring (4) drops 0..3, the refused 3 among them
  assert.deepEqual(
    device.ring.map((m) => m.seq),
    [4, 5, 6, 7],
  );
  store.release();
  device.keepConnected(); // the small buffer pushes back again on the resend; the device comes back each time
  await device.connect();
  await waitFor('everything the device holds acked', () => device.head === 7 && device.ring.length === 0);
  assert.deepEqual(await storedValues(hub, 'ring-1'), [0, 1, 2, 4, 5, 6, 7]);
  assert.equal(lostCount(hub), 1, 'seq 3 counted as lost by the device');
  assert.ok(device.overflowed.includes(3), 'and it is one the device itself dropped');
});

test('a device that reboots inside the flush window is told its head only once its pending messages are durable', async (t) => {
  const { hub, store } = await gatedHub(t);
  const device = await ringDevice(t, hub, 'reboot-1', 16);
  await device.connect();
  store.hold();
  device.sample({ v: 0 });
  device.sample({ v: 1 });
  await waitFor('both taken into the pipeline', () => hub.hub.streams.expected('reboot-1') === 2);
  device.reboot(); // RAM gone; 0 and 1 are still being written
  const reconnect = device.connect();
  device.sample({ v: 2 });
  device.sample({ v: 3 });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(device.isLive, false, 'no resume answer while 0 and 1 are not durable');
  store.release();
  await reconnect;
  assert.deepEqual(
    device.ring.map((m) => m.seq),
    [2, 3],
    'the fresh boot numbers after the durable head',
  );
  await waitFor('the new readings acked', () => device.head === 3);
  assert.deepEqual(await storedValues(hub, 'reboot-1'), [0, 1, 2, 3]);
});

test('a stray forward seq from a second connection is refused; the real stream is stored, not acked past', async (t) => {
  const { hub } = await gatedHub(t);
  const device = await ringDevice(t, hub, 'stray-1', 16);
  await device.connect();
  device.sample({ v: 0 });
  device.sample({ v: 1 });
  await waitFor('0 and 1 acked', () => device.head === 1);
  const key = device.options.key;
  const sub = await runMosquitto('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    String(hub.hub.mqtt.port),
    '-u',
    'stray-1',
    '-P',
    key,
    '-q',
    '1',
    '-t',
    'devices/stray-1/telemetry',
    '-m',
    JSON.stringify({ seq: 1000, first: 1000, readings: { v: 1000 } }),
  ]);
  assert.equal(sub.code, 0, sub.stderr);
  await waitFor('the second connection refused', () => device.errors.find((e) => e.code === 'stream_busy' && e.seq === 1000));
  device.sample({ v: 2 });
  device.sample({ v: 3 });
  await waitFor('2 and 3 acked', () => device.head === 3);
  assert.deepEqual(await storedValues(hub, 'stray-1'), [0, 1, 2, 3]);

  // The stream holder itself jumping ahead without declaring anything: refused, resumed, nothing skipped.
  device.publishRaw({ seq: 50, readings: { v: 50 } });
  await waitFor('the gap refusal', () => device.errors.find((e) => e.code === 'seq_gap' && e.seq === 50 && e.resend));
  await waitFor('closed', () => !device.isLive);
  await device.connect();
  device.sample({ v: 4 });
  await waitFor('4 acked', () => device.head === 4);
  assert.deepEqual(await storedValues(hub, 'stray-1'), [0, 1, 2, 3, 4]);
  assert.equal(lostCount(hub), 0);
});

test('a message refused for its size is not covered by an ack until the device gives it up', async (t) => {
  const { hub } = await gatedHub(t, { mqttMaxPayload: 2048 });
  const device = await ringDevice(t, hub, 'big-1', 16);
  await device.connect();
  device.sample({ v: 0 });
  await waitFor('0 acked', () => device.head === 0);
  device.sample(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`m${i}`, i]))); // seq 1, about 4.5 KB
  await waitFor('the final refusal', () => device.errors.find((e) => e.code === 'too_large' && e.seq === 1 && !e.resend));
  assert.deepEqual(device.givenUp, [1]);
  assert.equal(hub.hub.streams.head('big-1'), 0, 'the refused seq is not covered');
  device.sample({ v: 2 });
  await waitFor('2 acked', () => device.head === 2);
  assert.deepEqual(await storedValues(hub, 'big-1'), [0, 2]);
  assert.equal(lostCount(hub), 1);
});

test('untimed batch entries, and untimed messages in the same millisecond, stay distinct readings', async (t) => {
  const { hub } = await gatedHub(t);
  const key = await provision(hub, 'untimed-1');
  const publish = (body: object) =>
    runMosquitto('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(hub.hub.mqtt.port),
      '-u',
      'untimed-1',
      '-P',
      key,
      '-q',
      '1',
      '-t',
      'devices/untimed-1/telemetry',
      '-m',
      JSON.stringify(body),
    ]);
  const batch = { seq: 0, batch: [{ readings: { v: 1, w: 10 } }, { readings: { v: 2, w: 20 } }, { readings: { v: 3, w: 30 } }] };
  assert.equal((await publish(batch)).code, 0);
  await waitFor('three readings of v', async () => (await storedValues(hub, 'untimed-1')).length === 3);
  const v = (await hub.hub.store.queryRaw({ deviceId: 'untimed-1', metric: 'v', from: 0, to: Date.now() + 60_000, limit: 10 })).readings;
  const w = (await hub.hub.store.queryRaw({ deviceId: 'untimed-1', metric: 'w', from: 0, to: Date.now() + 60_000, limit: 10 })).readings;
  assert.deepEqual(
    v.map((r) => r.value),
    [1, 2, 3],
  );
  assert.deepEqual(
    w.map((r) => r.ts),
    v.map((r) => r.ts),
    'the readings of one entry share its time',
  );
  assert.ok(v[0].ts < v[1].ts && v[1].ts < v[2].ts);
  // Two messages handled within one millisecond, straight through ingest as the codec hands them on.
  const a = hub.hub.ingest.submit({ deviceId: 'untimed-1', seq: 1, source: 'mqtt', readings: [{ metric: 'v', value: 4 }] });
  const b = hub.hub.ingest.submit({ deviceId: 'untimed-1', seq: 2, source: 'mqtt', readings: [{ metric: 'v', value: 5 }] });
  await Promise.all([a.durable, b.durable]);
  assert.deepEqual(await storedValues(hub, 'untimed-1'), [1, 2, 3, 4, 5]);
});
