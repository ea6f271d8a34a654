import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/observability/logger.js';
import { Retention } from '../../src/storage/retention.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

const DAY = 86_400_000;

test('retention keeps the configured number of days and drops older buckets at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'retention-test-'));
  const store = new SqliteStore(dir);
  await store.open();
  const now = Date.UTC(2026, 10, 21, 12);
  const at = (daysAgo: number) => ({ deviceId: 'd', metric: 'm', ts: now - daysAgo * DAY, value: daysAgo });
  await store.writeBatch({ readings: [at(40), at(31), at(29), at(1)], heads: [], lastSeen: [] });
  const retention = new Retention(store, 30, createLogger('silent'), () => now);
  await retention.start();
  await retention.stop();
  const page = await store.queryRaw({ deviceId: 'd', from: 0, to: now, limit: 10 });
  assert.deepEqual(page.readings.map((r) => r.value), [29, 1]);
  const keepAll = new Retention(store, 0, createLogger('silent'), () => now + 1000 * DAY);
  await keepAll.start();
  assert.equal((await store.queryRaw({ deviceId: 'd', from: 0, to: now, limit: 10 })).readings.length, 2, '0 days keeps everything');
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
