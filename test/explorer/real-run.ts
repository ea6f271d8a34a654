// One schedule of the real-process explorer, end to end: a hub process on a temp data dir, a
// device client, an ESP32-like ring device and a line device on a pty, the schedule's faults
// over its window, a bounded drain, SIGTERM, then the store checked against the devices' ledgers.
import type { TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceCredentials } from '../../src/core/credentials.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { createPtyPair } from '../helpers/pty.js';
import { teardown, tempDir } from '../helpers/teardown.js';
import { checkStore, dropReasons } from './real-check.js';
import { TrackedClient, TrackedRing, type Ledger } from './real-devices.js';
import { HubRunner } from './real-hub.js';
import { LineDevice } from './real-line-device.js';
import { MAX_PAYLOAD, type Fault, type Schedule } from './real-schedule.js';

const DRAIN_MS = 15_000;
const CLIENT = 'dc-1';
const RING = 'ring-1';
const LINE = 'line-1';

export interface RunResult {
  violations: string[];
  report: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/** Keys go into the data dir before the hub first opens it, as `telemetry-hub device add` does. */
async function provision(dataDir: string, ids: string[]): Promise<Map<string, string>> {
  const store = new SqliteStore(dataDir);
  await store.start();
  // Closed before this returns, not after the test: the hub process opens the data dir next.
  try {
    const keys = new Map<string, string>();
    for (const id of ids) keys.set(id, (await new DeviceCredentials(store).provision(id)).key);
    return keys;
  } finally {
    await store.stop();
  }
}

/** mosquitto_pub under the client's own login but another client id; bounded. */
function strayPublish(port: number, key: string, seq: number, value: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(
      'mosquitto_pub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-u',
        CLIENT,
        '-P',
        key,
        '-q',
        '1',
        '-t',
        `devices/${CLIENT}/telemetry`,
        '-m',
        JSON.stringify({ seq, first: seq, readings: { v: value } }),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(`exit ${code}${stderr ? `: ${stderr.trim()}` : ''}`);
    });
  });
}

export async function runSchedule(t: TestContext, s: Schedule): Promise<RunResult> {
  // Torn down last-in first-out after the run: devices, hub processes, the pty, then the dir.
  const dir = tempDir(t, 'real-explorer-');
  const pty = await createPtyPair(t);
  const dataDir = join(dir, 'data');
  const devicesFile = join(dir, 'devices.yml');
  writeFileSync(devicesFile, `devices:\n  - { transport: line, port: ${pty.hubPath} }\n`);
  const keys = await provision(dataDir, [CLIENT, RING]);
  const hub = new HubRunner(t, dataDir, [
    '--devices-file',
    devicesFile,
    '--mqtt-max-payload',
    String(MAX_PAYLOAD),
    '--flush-interval-ms',
    String(s.flushIntervalMs),
  ]);
  await hub.start();
  const url = await hub.url();

  const client = new TrackedClient({ url, deviceId: CLIENT, key: keys.get(CLIENT)!, dir, queueFile: s.clientQueueFile });
  const ring = new TrackedRing({ url, deviceId: RING, key: keys.get(RING)!, capacity: s.ringCapacity });
  const line = new LineDevice(LINE, pty.devicePath, s.lineCapacity);
  teardown(t, async () => {
    await Promise.allSettled([client.close(), ring.close(), line.close()]);
  });
  await Promise.all([client.start(), ring.start(), line.start()]);
  const notes: string[] = [];
  const violations: string[] = [];
  if (!(await until(() => line.welcomes > 0, 10_000))) violations.push(`${LINE}: never welcomed`);

  let nextValue = 1;
  const strayValues = new Set<number>();
  const timers: NodeJS.Timeout[] = [
    setInterval(() => client.sample(nextValue++), s.cadence.client),
    setInterval(() => ring.sample(nextValue++), s.cadence.ring),
    setInterval(() => line.sample(nextValue++), s.cadence.line),
  ];
  const running: Array<Promise<unknown>> = [];
  const apply = async (f: Fault): Promise<void> => {
    switch (f.kind) {
      case 'hub-kill':
        return hub.killAndRestart(f.delayMs!);
      case 'client-cut':
        return client.cut();
      case 'client-reboot':
        return client.reboot(f.saved === true);
      case 'ring-cut':
        return ring.cut(f.delayMs!);
      case 'ring-reboot':
        return ring.reboot(f.delayMs!);
      case 'ring-oversize':
        return ring.sample(nextValue++, true);
      case 'line-corrupt':
        return line.corruptNext();
      case 'line-drop-out':
        return line.dropNextOut();
      case 'line-drop-in':
        return line.dropNextIn();
      case 'line-reboot':
        return line.reboot();
      case 'stray': {
        // Only against a stream the client holds, steadily: see real-schedule.ts.
        // A client still reconnecting is waited for (bounded), but only while nothing that
        // takes its stream away is due in the next 1.5 s.
        const holding = (await until(() => client.live, 4_000)) && (await sleep(300).then(() => client.live));
        const now = Date.now() - started;
        const disturbed = s.faults.some(
          (g) => ['hub-kill', 'client-cut', 'client-reboot'].includes(g.kind) && g.at >= now - 300 && g.at < now + 1_500,
        );
        if (!holding || disturbed || hub.pendingKills > 0 || now > s.windowMs - 200) {
          notes.push(`stray at ${f.at} skipped: the client did not hold its stream steadily (${now} ms)`);
          return;
        }
        const value = 50_000_000 + strayValues.size;
        strayValues.add(value);
        notes.push(
          `stray at ${f.at} (value ${value}): mosquitto_pub ${await strayPublish(await hub.mqttPort, keys.get(CLIENT)!, 1_000_000 + strayValues.size, value)}`,
        );
      }
    }
  };
  const started = Date.now();
  for (const f of s.faults) {
    timers.push(
      setTimeout(
        () => running.push(apply(f).catch((err: Error) => notes.push(`harness: ${f.kind} at ${f.at} failed: ${err.stack}`))),
        f.at,
      ),
    );
  }
  teardown(t, () => {
    for (const x of timers) clearTimeout(x);
  });
  await sleep(s.windowMs);
  for (const x of timers) clearTimeout(x);
  await Promise.allSettled(running);
  await hub.settled();

  // Faults over: every device must get its whole backlog acked, on its own, within the bound.
  const drainStart = Date.now();
  const drained = await until(() => client.idle && client.live && ring.idle && ring.live && line.idle, DRAIN_MS);
  const drainMs = Date.now() - drainStart;
  if (!drained) {
    const ringState = ring.ring.ring.map((m) => m.seq);
    violations.push(
      `stall: not drained within ${DRAIN_MS} ms: ${CLIENT} backlog ${client.device.backlog} live ${client.live} head ${client.device.head}; ` +
        `${RING} ring [${ringState.join(',')}] live ${ring.live} head ${ring.ring.head} errors ${JSON.stringify(ring.ring.errors.slice(-3))}; ${LINE} idle ${line.idle}`,
    );
  }
  await Promise.allSettled([client.close(), ring.close(), line.close()]);
  const code = await hub.stop();
  if (code !== 0) notes.push(`hub exited with ${code} on SIGTERM`);
  const checked = await checkStore(dataDir, [client.ledger, ring.ledger, line.ledger], strayValues);
  violations.push(...checked.violations);
  const errors = hub.errorLines();
  const ledgers: Record<string, Ledger> = { [CLIENT]: client.ledger, [RING]: ring.ledger, [LINE]: line.ledger };
  const report = [
    `fault window ${s.windowMs} ms, ${hub.kills} hub kills, drained in ${drainMs} ms, total ${Date.now() - started} ms`,
    ...checked.tallies.map(
      (x) =>
        `  ${x.deviceId}: sent ${x.sent}, acked ${x.acked}, dropped ${x.dropped} (${dropReasons(ledgers[x.deviceId])}), stored ${x.stored}`,
    ),
    ...client.notes.map((n) => `  ${CLIENT}: ${n}`),
    ...notes.map((n) => `  ${n}`),
    ...(errors.length ? [`  hub logged ${errors.length} errors, first: ${errors[0].slice(0, 400)}`] : []),
  ].join('\n');
  return { violations, report };
}
