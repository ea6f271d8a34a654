// A MongoDB outage at run time, through a real hub: the MongoDB adapter over mingo (no server can
// run on this machine; mingo-db.ts makes every operation fail while `reachable` is false, as the
// driver does once server selection times out). Readings stay unacked and buffered, /api/health
// says degraded from the adapter's own ping, and all of it is written once when the server is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IngestMessage } from '../../../src/core/ingest.js';
import { HOUR_MS } from '../../../src/storage/buckets.js';
import { BUCKETS } from '../../../src/storage/mongo/bucket-documents.js';
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import { getJson, startHub, waitFor } from '../../helpers/hub.js';
import { teardown } from '../../helpers/teardown.js';
import { MingoDatabase } from './mingo-db.js';

test('while MongoDB is unreachable readings wait unacked; when it is back they are written once', async (t) => {
  const db = new MingoDatabase();
  const store = new MongoStore(async () => db.connection());
  const hub = await startHub(t, { flushIntervalMs: 5 }, { store });
  teardown(t, () => {
    db.reachable = true; // the hub flushes what it holds as it stops
  });
  await hub.hub.devices.register({ id: 'sensor-7', name: 'Sensor', transport: 'mqtt' });
  const t0 = Date.now() - HOUR_MS;
  const message = (seq: number): IngestMessage => ({
    deviceId: 'sensor-7',
    seq,
    source: 'mqtt',
    readings: [{ metric: 'temperature', value: 20 + seq, ts: t0 + seq * 1000 }],
  });
  assert.equal((await hub.hub.ingest.submit(message(0)).durable).h, 0);

  db.reachable = false;
  let acked = 0;
  const durable = [1, 2, 3].map((seq) =>
    hub.hub.ingest.submit(message(seq)).durable.then((ack) => {
      acked += 1;
      return ack;
    }),
  );
  await waitFor('two failed flushes', async () =>
    /^hub_batch_flush_failures_total [2-9]/m.test(await (await fetch(`${hub.url}/metrics`)).text()),
  );
  assert.equal(acked, 0);
  assert.equal(hub.hub.ingest.pendingReadings, 3);
  const health = await getJson(`${hub.url}/api/health`);
  assert.equal(health.body.status, 'degraded');
  assert.deepEqual([health.body.components.store.ok, health.body.components.store.kind], [false, 'mongodb']);

  db.reachable = true;
  assert.deepEqual(await Promise.all(durable), [{ h: 3 }, { h: 3 }, { h: 3 }]);
  assert.equal((await getJson(`${hub.url}/api/health`)).body.status, 'ok');
  const stored = db.collection(BUCKETS).docs;
  assert.equal(stored.length, 1);
  assert.deepEqual(stored[0].v, [20, 21, 22, 23]);
  const [device] = await store.loadDevices();
  assert.equal(device.streamH, 3);
});
