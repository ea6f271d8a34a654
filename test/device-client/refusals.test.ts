// Messages the hub will not take, end to end against a real hub over real sockets: a message
// larger than the hub's payload limit is given up by the client (reported, never sent, so it
// cannot make the hub close the connection again and again), and a message the hub refuses for
// good is dropped from the queue while the messages after it are stored and acked.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHub, type TestHub } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';
import { DeviceClient, type Refusal } from '../../src/device-client/client.js';
import { MessageQueue } from '../../src/device-client/queue.js';

const T0 = Date.now() - 600_000;
const SMALL_LIMIT = 2048;

/**
 * A device client that is always stopped (before the hub it talks to: teardown runs last-in
 * first-out), with every refusal and disconnect it reports.
 */
function device(t: TestContext, h: TestHub, id: string, key: string, queueFile?: string) {
  const client = new DeviceClient({ url: h.hub.mqtt.url, deviceId: id, key, reconnectDelayMs: 50, ...(queueFile && { queueFile }) });
  const refusals: Refusal[] = [];
  let disconnects = 0;
  client.on('refused', (r) => refusals.push(r));
  client.on('disconnected', () => (disconnects += 1));
  teardown(t, () => client.stop());
  return { client, refusals, disconnects: () => disconnects };
}

/** About 100 KB in one message: 5,000 readings with long metric names. */
function oversized(): Record<string, number> {
  return Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`oversized_metric_${String(i).padStart(4, '0')}`, i]));
}

/** The stored values of metric n, from the REST API's CSV. */
async function storedN(h: TestHub, id: string): Promise<number[]> {
  const res = await fetch(`${h.url}/api/devices/${id}/readings.csv?metric=n&from=${T0}&to=${T0 + 1_000}`);
  assert.equal(res.status, 200);
  return (await res.text())
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',').at(-1)))
    .sort((a, b) => a - b);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a message larger than the hub takes is reported and dropped before it is sent; the rest is stored with no reconnect loop', async (t) => {
  const dir = tempDir(t, 'device-refusals-');
  const h = await startHub(t, { mqttMaxPayload: SMALL_LIMIT });
  const key = (await h.hub.credentials.provision('big-1')).key;
  const d = device(t, h, 'big-1', key, join(dir, 'queue.jsonl'));
  // Queued before the first resume: the limit is not known yet.
  d.client.send(oversized(), T0);
  d.client.send({ n: 1 }, T0 + 1);
  d.client.send({ n: 2 }, T0 + 2);
  await d.client.start();
  assert.equal(d.client.maxPayload, SMALL_LIMIT, 'the resume answer told the limit');
  for (let n = 3; n <= 5; n++) d.client.send({ n }, T0 + n);
  await d.client.drained(10_000);
  // A window in which the old client kept reconnecting (16 times in 4 s): nothing happens now.
  await pause(1_000);
  assert.deepEqual(await storedN(h, 'big-1'), [1, 2, 3, 4, 5]);
  const tooLarge = d.refusals.filter((r) => r.code === 'too_large');
  assert.equal(tooLarge.length, 1, JSON.stringify(d.refusals));
  assert.equal(tooLarge[0].local, true, 'the client gave it up itself; the hub never saw it');
  assert.ok(d.disconnects() <= 1, `at most one disconnect, saw ${d.disconnects()}`);
  assert.equal(d.client.backlog, 0);
  // Once the limit is known, an oversized message is refused at the call.
  assert.throws(() => d.client.send(oversized(), T0 + 6), RangeError);
  assert.equal(d.client.backlog, 0, 'nothing was queued');
});

test('a held oversized message from before the hub lowered its limit is given up; the stream goes on after it', async (t) => {
  const dataDir = tempDir(t, 'device-refusals-');
  const queueFile = join(dataDir, 'device-queue.jsonl');
  const first = await startHub(t, { dataDir: join(dataDir, 'hub') });
  const key = (await first.hub.credentials.provision('big-2')).key;
  const before = device(t, first, 'big-2', key, queueFile);
  await before.client.start();
  before.client.send({ n: 0 }, T0);
  await before.client.drained(10_000);
  // Offline: a large message (fine under the default limit) and two small ones wait in the file.
  before.client.cut({ stay: true });
  await pause(50);
  before.client.send(oversized(), T0 + 1);
  before.client.send({ n: 2 }, T0 + 2);
  before.client.send({ n: 3 }, T0 + 3);
  await before.client.stop();
  await first.stop({ keepData: true });

  // The hub comes back with a small limit; the device process restarts from its queue file.
  const second = await startHub(t, { dataDir: join(dataDir, 'hub'), mqttMaxPayload: SMALL_LIMIT });
  const after = device(t, second, 'big-2', key, queueFile);
  await after.client.start();
  await after.client.drained(10_000);
  await pause(500);
  assert.deepEqual(await storedN(second, 'big-2'), [0, 2, 3], 'the messages after the dropped one are stored');
  assert.equal(after.refusals.filter((r) => r.code === 'too_large').length, 1, JSON.stringify(after.refusals));
  assert.ok(after.disconnects() <= 1, `at most one disconnect, saw ${after.disconnects()}`);
  assert.equal(after.client.head, 3);
});

test('a message the hub refuses for good is dropped from the queue and its file; later messages are stored and acked', async (t) => {
  const queueFile = join(tempDir(t, 'device-refusals-'), 'queue.jsonl');
  const h = await startHub(t);
  const key = (await h.hub.credentials.provision('final-1')).key;
  const d = device(t, h, 'final-1', key, queueFile);
  await d.client.start();
  d.client.send({ n: 0 }, T0);
  // More than 10,000 readings in one message: malformed for the hub whatever its size limit.
  const tooMany = d.client.send(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`m${i}`, i])), T0 + 1);
  d.client.send({ n: 2 }, T0 + 2);
  d.client.send({ n: 3 }, T0 + 3);
  await d.client.drained(15_000);
  const final = d.refusals.find((r) => r.seq === tooMany && r.resend !== true);
  assert.ok(final, `the hub refused seq ${tooMany} for good: ${JSON.stringify(d.refusals.map((r) => r.code))}`);
  assert.equal(final.code, 'too_many_readings');
  assert.deepEqual(await storedN(h, 'final-1'), [0, 2, 3]);
  assert.equal(d.client.head, tooMany + 2, 'the head moved past the refused message');
  d.client.send({ n: 4 }, T0 + 4);
  await d.client.drained(10_000);
  assert.deepEqual(await storedN(h, 'final-1'), [0, 2, 3, 4]);
  const file = new MessageQueue(queueFile);
  file.load();
  assert.equal(file.size, 0, 'the queue file no longer holds the refused message');
});
