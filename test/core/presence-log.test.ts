// The presence log on real stores: group commits in order, history reads that see every change
// already made, retries through a store outage, and what stop() writes.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceChange } from '../../src/core/model.js';
import { PresenceLog } from '../../src/core/presence-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { WorkerStore } from '../../src/storage/worker/worker-store.js';
import { waitFor } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';

const T0 = Date.UTC(2026, 10, 20, 10);
const log = createLogger('silent');

const change = (deviceId: string, i: number): PresenceChange => ({
  deviceId,
  state: i % 2 === 0 ? 'online' : 'offline',
  previous: i === 0 ? 'unknown' : i % 2 === 0 ? 'offline' : 'online',
  ts: T0,
  reason: `${deviceId}-${i}`,
});

function counting() {
  const writes: Array<{ changes: number; ok: boolean }> = [];
  return { writes, metrics: { presenceWritten: (changes: number, ok: boolean) => writes.push({ changes, ok }) } };
}

async function workerStore(t: TestContext): Promise<WorkerStore> {
  const store = new WorkerStore(tempDir(t, 'presence-log-'));
  await store.start();
  teardown(t, () => store.stop());
  return store;
}

test('changes made while a write is under way go out together in the next write, each device in its order', async (t) => {
  const store = await workerStore(t);
  const { writes, metrics } = counting();
  const presence = new PresenceLog({ store, log, metrics }, { maxChanges: 1_000, maxQueued: 10_000 });
  for (let i = 0; i < 4; i += 1) for (const id of ['a', 'b', 'c']) presence.add(change(id, i));
  await presence.settled();
  // The first change starts a write at once; the eleven made meanwhile wait for it and share one.
  assert.deepEqual(writes, [
    { changes: 1, ok: true },
    { changes: 11, ok: true },
  ]);
  for (const id of ['a', 'b', 'c']) {
    assert.deepEqual(
      (await store.presenceHistory(id, 10)).map((c) => c.reason),
      [3, 2, 1, 0].map((i) => `${id}-${i}`),
    );
  }
});

test('a write takes at most maxChanges; the rest follow in later writes', async (t) => {
  const store = await workerStore(t);
  const { writes, metrics } = counting();
  const presence = new PresenceLog({ store, log, metrics }, { maxChanges: 4, maxQueued: 10_000 });
  for (let i = 0; i < 11; i += 1) presence.add(change('a', i));
  await presence.settled();
  assert.deepEqual(
    writes.map((w) => w.changes),
    [1, 4, 4, 2],
  );
  assert.equal((await store.presenceHistory('a', 20)).length, 11);
});

test('settled() waits for the changes queued behind a write under way, so a history read sees them', async (t) => {
  const store = await workerStore(t);
  const presence = new PresenceLog({ store, log }, { maxChanges: 1_000, maxQueued: 10_000 });
  presence.add(change('a', 0));
  presence.add(change('b', 0)); // queued: the write of a's change is under way
  await presence.settled();
  assert.equal((await store.presenceHistory('b', 10)).length, 1);
});

test('a store outage is retried: the changes are written, in order, once the store is back', async (t) => {
  const dir = tempDir(t, 'presence-log-');
  const store = new SqliteStore(dir);
  await store.start();
  teardown(t, () => store.stop());
  const { writes, metrics } = counting();
  const presence = new PresenceLog({ store, log, metrics }, { maxChanges: 1_000, maxQueued: 10_000 });
  teardown(t, () => presence.stop());
  await store.stop(); // closed: every write fails
  presence.add(change('a', 0));
  presence.add(change('a', 1));
  await waitFor('a failed write', () => writes.some((w) => !w.ok));
  await presence.settled(); // does not hang while the store is failing
  await store.start();
  await waitFor('written after the outage', async () => (await store.presenceHistory('a', 10)).length === 2);
  assert.deepEqual(
    (await store.presenceHistory('a', 10)).map((c) => c.reason),
    ['a-1', 'a-0'],
  );
});

test('past maxQueued during an outage the oldest changes are dropped; stop() writes what is left', async (t) => {
  const store = new SqliteStore(tempDir(t, 'presence-log-'));
  const { writes, metrics } = counting();
  const presence = new PresenceLog({ store, log, metrics }, { maxChanges: 1_000, maxQueued: 3 });
  // Not started yet: every write fails until the store opens.
  for (let i = 0; i < 6; i += 1) presence.add(change('a', i));
  await waitFor('a failed write', () => writes.some((w) => !w.ok));
  await store.start();
  teardown(t, () => store.stop());
  await presence.stop();
  assert.deepEqual(
    (await store.presenceHistory('a', 10)).map((c) => c.reason),
    ['a-5', 'a-4', 'a-3'],
  );
});
