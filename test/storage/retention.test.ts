import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/core/model.js';
import type { HubLogger } from '../../src/core/logger.js';
import { createLogger } from '../../src/observability/logger.js';
import { Retention } from '../../src/storage/retention.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/teardown.js';

const DAY = 86_400_000;

test('retention keeps the configured number of days and drops older buckets at start', async (t) => {
  const dir = tempDir(t, 'retention-test-');
  const store = new SqliteStore(dir);
  await store.start();
  const now = Date.UTC(2026, 10, 21, 12);
  const at = (daysAgo: number) => ({ deviceId: 'd', metric: 'm', ts: now - daysAgo * DAY, value: daysAgo });
  await store.writeBatch({ readings: [at(40), at(31), at(29), at(1)], heads: [], lastSeen: [] });
  const retention = new Retention(store, 30, createLogger('silent'), () => now);
  await retention.start();
  await retention.stop();
  const page = await store.queryRaw({ deviceId: 'd', from: 0, to: now, limit: 10 });
  assert.deepEqual(
    page.readings.map((r) => r.value),
    [29, 1],
  );
  const keepAll = new Retention(store, 0, createLogger('silent'), () => now + 1000 * DAY);
  await keepAll.start();
  assert.equal((await store.queryRaw({ deviceId: 'd', from: 0, to: now, limit: 10 })).readings.length, 2, '0 days keeps everything');
  await store.stop();
});

test('retention also prunes presence history and finished commands older than the cutoff, and logs what went', async (t) => {
  const dir = tempDir(t, 'retention-test-');
  const store = new SqliteStore(dir);
  await store.start();
  const now = Date.UTC(2026, 10, 21, 12);
  const ago = (days: number) => now - days * DAY;
  await store.appendPresence([{ deviceId: 'd', state: 'offline', previous: 'online', ts: ago(31), reason: 'old' }]);
  await store.appendPresence([{ deviceId: 'd', state: 'online', previous: 'offline', ts: ago(2), reason: 'recent' }]);
  const cmd = (id: string, state: Command['state'], daysAgo: number): Command => ({
    id,
    deviceId: 'd',
    action: 'set',
    params: {},
    state,
    createdAt: ago(daysAgo),
    updatedAt: ago(daysAgo),
    expiresAt: ago(daysAgo) + 10_000,
  });
  for (const c of [
    cmd('old-acked', 'acked', 45),
    cmd('old-expired', 'expired', 31),
    cmd('old-sent', 'sent', 45),
    cmd('new-failed', 'failed', 1),
  ]) {
    await store.saveCommand(c);
  }
  await store.writeBatch({ readings: [{ deviceId: 'd', metric: 'm', ts: ago(40), value: 1 }], heads: [], lastSeen: [] });

  const log = capturingLogger();
  const retention = new Retention(store, 30, log, () => now);
  assert.deepEqual(await retention.sweep(), { buckets: 1, presence: 1, commands: 2 });
  assert.deepEqual(
    (await store.presenceHistory('d', 10)).map((p) => p.reason),
    ['recent'],
  );
  assert.deepEqual((await store.loadCommands({})).map((c) => c.id).sort(), ['new-failed', 'old-sent']);
  const [line] = log.lines.filter((l) => l.level === 'info');
  assert.deepEqual([line.obj.buckets, line.obj.presence, line.obj.commands], [1, 1, 2]);
  assert.deepEqual(await retention.sweep(), { buckets: 0, presence: 0, commands: 0 });
  assert.equal(log.lines.filter((l) => l.level === 'info').length, 1, 'a sweep that drops nothing logs nothing');
  await store.stop();
});

test('a failing bucket drop does not stop the history prune, and the failure is logged', async () => {
  const log = capturingLogger();
  const store = {
    dropBucketsBefore: async () => {
      throw new Error('disk full');
    },
    pruneHistoryBefore: async () => ({ presence: 4, commands: 5 }),
  };
  const retention = new Retention(store, 7, log, () => Date.UTC(2026, 0, 1));
  assert.deepEqual(await retention.sweep(), { buckets: 0, presence: 4, commands: 5 });
  assert.deepEqual(
    log.lines.map((l) => l.level),
    ['error', 'info'],
  );
});

function capturingLogger(): HubLogger & { lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  const log = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}
