// The acked-stream promise end to end: 10,000 readings (1,000 messages of 10) from a device
// client with a persistent queue; once the device's socket is cut mid-stream, once the hub
// process is SIGKILLed mid-stream and restarted on the same data directory. Both times the
// store ends up holding exactly the readings sent: none lost, none twice. Also: a hub that
// pushes back when full, and sequence numbers wrapping past 2^32 - 1 with resends dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHub, waitFor } from '../../helpers/hub.js';
import { freePort, startHubProcess } from '../../helpers/hub-process.js';
import { teardown, tempDir } from '../../helpers/teardown.js';
import { DeviceClient } from '../../../src/device-client/client.js';
import { DeviceCredentials } from '../../../src/core/credentials.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { collect, provision, rawClient } from './mqtt-helpers.js';

const MESSAGES = 1_000;
const PER_MESSAGE = 10;
const T0 = Date.now() - 3_600_000;

/** Message i carries readings i*10 .. i*10+9, each with its own timestamp and value. */
function sendMessage(device: DeviceClient, i: number): void {
  device.sendBatch(
    Array.from({ length: PER_MESSAGE }, (_, k) => {
      const n = i * PER_MESSAGE + k;
      return { ts: T0 + n, readings: { n } };
    }),
  );
}

/** Sends all messages a few at a time, calling `midway` once after half of them. */
async function stream(device: DeviceClient, midway: () => Promise<void> | void): Promise<void> {
  for (let i = 0; i < MESSAGES; i++) {
    sendMessage(device, i);
    if (i === MESSAGES / 2) await midway();
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2));
  }
}

/** Every stored value of metric n, from the REST API's CSV (which covers the whole range). */
async function storedValues(url: string, deviceId: string): Promise<number[]> {
  const res = await fetch(`${url}/api/devices/${deviceId}/readings.csv?metric=n&from=${T0}&to=${T0 + MESSAGES * PER_MESSAGE}`);
  assert.equal(res.status, 200);
  const lines = (await res.text()).trim().split('\n').slice(1);
  return lines.map((line) => Number(line.split(',').at(-1)));
}

function assertExactlyOnce(values: number[]): void {
  assert.equal(values.length, MESSAGES * PER_MESSAGE, 'no reading lost, none stored twice');
  const sorted = [...values].sort((a, b) => a - b);
  assert.ok(
    sorted.every((v, i) => v === i),
    'the stored values are exactly 0 .. 9999',
  );
}

test('socket cut mid-stream: the device reconnects, resends after h, the store holds every reading once', async (ctx) => {
  const t = await startHub(ctx);
  const device = new DeviceClient({
    url: t.hub.mqtt.url,
    deviceId: 'cut-1',
    key: await provision(t, 'cut-1'),
    queueFile: join(tempDir(ctx, 'mqtt-resume-'), 'queue.jsonl'),
    reconnectDelayMs: 50,
  });
  teardown(ctx, () => device.stop());
  await device.start();
  let backlogAtCut = 0;
  await stream(device, () => {
    backlogAtCut = device.backlog;
    device.cut();
  });
  await device.drained(40_000);
  assert.ok(backlogAtCut > 0, 'the cut left unacked messages behind');
  assert.equal(device.head, MESSAGES - 1);
  assertExactlyOnce(await storedValues(t.url, 'cut-1'));
  assert.equal(t.hub.metrics.readingsIngested.get(), MESSAGES * PER_MESSAGE, 'the store was asked to write each reading once');
  assert.equal(t.hub.metrics.duplicates.get({ kind: 'timestamp', source: 'store' }), 0);
});

test('hub SIGKILLed mid-stream and restarted: the device resumes from the durable h, the store holds every reading once', async (ctx) => {
  const dataDir = tempDir(ctx, 'mqtt-resume-');
  // The key goes into the data directory before the hub process first opens it.
  const store = new SqliteStore(dataDir);
  await store.start();
  const { key } = await new DeviceCredentials(store).provision('kill-1');
  await store.stop();
  const mqttPort = await freePort();
  // Each hub process is stopped after the test if it still runs, so a failing test kills it too.
  let hub = await startHubProcess(ctx, { dataDir, mqttPort });
  const device = new DeviceClient({
    url: `mqtt://127.0.0.1:${mqttPort}`,
    deviceId: 'kill-1',
    key,
    queueFile: join(dataDir, 'device-queue.jsonl'),
    reconnectDelayMs: 100,
  });
  teardown(ctx, () => device.stop());
  await device.start();
  // Killed halfway; the second half is sent while the hub is down, so the device must resend
  // it (and whatever was in flight at the kill) after the restart.
  await stream(device, async () => {
    await waitFor('some messages durable', () => (device.head ?? -1) >= 100, 20_000);
    await hub.stop('SIGKILL');
  });
  const backlogWhileDown = device.backlog;
  hub = await startHubProcess(ctx, { dataDir, mqttPort });
  await device.drained(40_000);
  assert.ok(backlogWhileDown >= MESSAGES / 2 - 1, `the device held its unacked messages while the hub was down (${backlogWhileDown})`);
  assert.equal(device.head, MESSAGES - 1);
  assertExactlyOnce(await storedValues(hub.url, 'kill-1'));
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  assert.doesNotMatch(
    metrics,
    /hub_readings_duplicate_total\{kind="timestamp",source="store"\} [1-9]/,
    'no resent reading reached the store after the restart',
  );
});

test('a hub that is full refuses, closes the connection to push back, and still ends with every reading once', async (ctx) => {
  // 200 unwritten readings at most: a burst of 100 messages × 10 readings overruns it many times.
  const t = await startHub(ctx, { maxPending: 200, flushIntervalMs: 20 });
  const device = new DeviceClient({ url: t.hub.mqtt.url, deviceId: 'full-1', key: await provision(t, 'full-1'), reconnectDelayMs: 20 });
  teardown(ctx, () => device.stop());
  const refusals: string[] = [];
  device.on('refused', (body) => refusals.push(body.reason));
  await device.start();
  for (let i = 0; i < 100; i++) sendMessage(device, i);
  await device.drained(40_000);
  assert.ok(
    refusals.some((r) => /too many unwritten readings/.test(r)),
    'the hub pushed back at least once',
  );
  const res = await fetch(`${t.url}/api/devices/full-1/readings.csv?metric=n&from=${T0}&to=${T0 + 1000}`);
  const values = (await res.text())
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',').at(-1)))
    .sort((a, b) => a - b);
  assert.deepEqual(
    values,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.equal(t.hub.metrics.duplicates.get({ kind: 'timestamp', source: 'store' }), 0);
});

test('sequence numbers wrap past 4294967295; a resent message is acked again but never written twice', async (ctx) => {
  const t = await startHub(ctx);
  const key = await provision(t, 'wrap-1');
  const client = await rawClient(ctx, t, { clientId: 'wrap-1', username: 'wrap-1', password: key });
  const seen = collect(client);
  await client.subscribeAsync('devices/wrap-1/ack', { qos: 1 });
  const acks = () => (seen.get('devices/wrap-1/ack') ?? []).map((p) => JSON.parse(p).h);
  const publish = (seq: number, n: number) =>
    client.publishAsync('devices/wrap-1/telemetry', JSON.stringify({ seq, ts: T0 + n, readings: { n } }), { qos: 1 });
  const seqs = [2 ** 32 - 2, 2 ** 32 - 1, 0, 1];
  for (const [n, seq] of seqs.entries()) await publish(seq, n);
  await waitFor('ack across the wrap', () => acks().at(-1) === 1);
  // Resends of an acked message, before and after the wrap, with other values: dropped.
  const acksBefore = acks().length;
  await publish(2 ** 32 - 1, 100);
  await publish(0, 101);
  await waitFor('both resends acked with the same head', () => acks().length >= acksBefore + 1 && acks().at(-1) === 1);
  await publish(2, 4);
  await waitFor('the stream goes on', () => acks().at(-1) === 2);
  assert.deepEqual(
    (await storedValues(t.url, 'wrap-1')).sort((a, b) => a - b),
    [0, 1, 2, 3, 4],
  );
  assert.equal(t.hub.metrics.duplicates.get({ kind: 'sequence', source: 'mqtt' }), 2, 'the resends were counted as duplicates');
});
