import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { getJson, waitFor } from './helpers/hub.js';
import { startHubProcess } from './helpers/hub-process.js';
import { teardown, tempDir } from './helpers/teardown.js';

function runHub(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, HUB_AUTH: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

test('the hub runs with simulated devices and flushes pending readings on SIGTERM', async (t) => {
  const dataDir = tempDir(t, 'cli-test-');
  // A flush interval far longer than the run: everything stored got there through the shutdown flush.
  // The process is stopped after the test if the test fails before it stops it itself.
  const hub = await startHubProcess(t, {
    dataDir,
    args: ['--simulate', '2', '--simulate-interval-ms', '50', '--flush-interval-ms', '60000', '--batch-size', '100000'],
  });
  // Connected and sending: a device 50 ms apart may turn stale on a busy machine, and only a
  // flush (not due in this run) would mark it online again.
  const devices = await waitFor(
    'both devices connected',
    async () => {
      const { body } = await getJson(`${hub.url}/api/devices`);
      const live = body.devices.filter((d: { presence: string }) => d.presence === 'online' || d.presence === 'stale');
      return live.length === 2 && live;
    },
    30_000,
  );
  assert.deepEqual(
    devices.map((d: { id: string }) => d.id),
    ['sim-001', 'sim-002'],
  );
  await waitFor(
    'readings pending for the shutdown flush',
    async () => {
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      return Number(/^hub_pending_readings (\d+)$/m.exec(metrics)?.[1] ?? 0) >= 60;
    },
    30_000,
  );
  // The stop is what this test is about: SIGTERM, a clean exit and the shutdown flush, then the
  // store is read with the hub gone.
  assert.equal(await hub.stop(), 0, hub.stderr());
  assert.ok(hub.lines.some((l) => l.includes('"msg":"stopped"')));
  const store = new SqliteStore(dataDir);
  await store.start();
  teardown(t, () => store.stop());
  const page = await store.queryRaw({ deviceId: 'sim-001', from: 0, to: Date.now() + 1, limit: 10_000 });
  assert.ok(page.readings.length >= 10, `only ${page.readings.length} readings were flushed at shutdown`);
  assert.deepEqual(new Set(page.readings.map((r) => r.metric)), new Set(['temperature', 'humidity']));
});

test('a bad setting stops the hub at once with exit code 2 and names the setting', async () => {
  const hub = runHub(['--http-port', 'x']);
  assert.equal(await hub.exited, 2);
  assert.match(hub.stderr(), /configuration error: --http-port: must be a number, got "x"/);
});

test('--help lists every setting', async () => {
  const hub = runHub(['--help']);
  assert.equal(await hub.exited, 0);
  const text = hub.lines.join('\n');
  for (const name of ['HUB_HTTP_PORT', 'HUB_MQTT_PORT', 'HUB_DATA_DIR', 'HUB_SIMULATE', 'MONGODB_URI'])
    assert.match(text, new RegExp(name));
});
