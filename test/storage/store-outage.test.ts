// A store outage seen from a device: while the store refuses writes, the hub keeps readings
// unacked and buffered (up to HUB_MAX_PENDING), /api/health says degraded, and once the store is
// back everything buffered is written exactly once and acked. The one fake here is the outage:
// a real SQLite store whose writeBatch rejects while `down` is set, standing in for a MongoDB
// server that went away (no MongoDB server can run on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IngestMessage } from '../../src/core/ingest.js';
import { HOUR_MS } from '../../src/storage/buckets.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { StoreHealth, WriteBatch, WriteResult } from '../../src/core/store.js';
import { getJson, startHub, waitFor } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';

class OutageStore extends SqliteStore {
  down = false;
  failedWrites = 0;

  override async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    if (this.down) {
      this.failedWrites += 1;
      throw new Error('store unreachable (simulated outage)');
    }
    return super.writeBatch(batch);
  }

  override async health(): Promise<StoreHealth> {
    return this.down ? { ok: false, kind: this.kind, detail: 'store unreachable (simulated outage)' } : super.health();
  }
}

test('readings stay unacked and buffered while the store is down, then are written once and acked', async (t) => {
  const store = new OutageStore(tempDir(t, 'outage-store-'));
  const hub = await startHub(t, { flushIntervalMs: 5, maxPending: 10 }, { store });
  teardown(t, () => {
    store.down = false; // the hub flushes what it holds as it stops
  });
  await hub.hub.devices.register({ id: 'meter-1', name: 'Meter', transport: 'mqtt' });
  const t0 = Date.now() - HOUR_MS;
  const message = (seq: number): IngestMessage => ({
    deviceId: 'meter-1',
    seq,
    source: 'mqtt',
    readings: [
      { metric: 'power', value: seq, ts: t0 + seq * 1000 },
      { metric: 'energy', value: seq / 2, ts: t0 + seq * 1000 },
    ],
  });
  store.down = true;

  const acks: Array<{ h: number | null } | null> = [null, null, null, null, null];
  const durable = [0, 1, 2, 3, 4].map((seq) => {
    const outcome = hub.hub.ingest.submit(message(seq));
    assert.equal(outcome.status, 'accepted');
    return outcome.durable.then((ack) => (acks[seq] = ack));
  });
  await waitFor('two failed writes', () => store.failedWrites >= 2);

  // Nothing acked, everything buffered, the hub says degraded.
  assert.deepEqual(acks, [null, null, null, null, null]);
  assert.equal(hub.hub.ingest.pendingReadings, 10);
  const health = await getJson(`${hub.url}/api/health`);
  assert.equal(health.body.status, 'degraded');
  assert.equal(health.body.components.store.ok, false);
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  assert.match(metrics, /^hub_pending_readings 10$/m);

  // Past the bound the hub refuses, so the device keeps the message and sends it again later.
  const refused = hub.hub.ingest.submit(message(5));
  assert.equal(refused.status, 'refused');
  assert.match(refused.detail ?? '', /too many unwritten readings/);

  store.down = false;
  await Promise.all(durable);
  assert.deepEqual(
    acks,
    [0, 1, 2, 3, 4].map(() => ({ h: 4 })),
  );
  // A device that missed the ack resends; the resend is recognised and not written again.
  const resent = hub.hub.ingest.submit(message(3));
  assert.equal(resent.status, 'duplicate');
  assert.deepEqual(await resent.durable, { h: 4 });
  const later = hub.hub.ingest.submit(message(5));
  assert.equal(later.status, 'accepted');
  assert.deepEqual(await later.durable, { h: 5 });

  const page = await store.queryRaw({ deviceId: 'meter-1', from: t0, to: t0 + HOUR_MS, limit: 100 });
  assert.equal(page.readings.length, 12);
  assert.deepEqual(
    page.readings.filter((x) => x.metric === 'power').map((x) => x.value),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal((await getJson(`${hub.url}/api/health`)).body.status, 'ok');
});
