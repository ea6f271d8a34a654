// MQTT at fleet scale: 50,000 devices connected at once, each publishing one QoS 1 reading every
// 10 s (5,000 messages/s in all), against the hub in its own process, then the same load against
// Debian's mosquitto (no persistence, no auth) in the same run. Per side:
//   - connect: every device's connection up to CONNACK, 100 at a time per generator;
//   - memory per connection: the server's RSS once all are connected minus its RSS before any,
//     over the connections (/proc/<pid>/status); for the hub also the V8 heap after a full GC,
//     read inside the hub process (bench/memory-probe.mjs);
//   - the first reading of every device: one round, each device once, until every PUBACK is in
//     (for the hub a new device's first reading registers its metric: a device record write);
//   - ack latency: publish → PUBACK, p50 and p99 over every publish of the rounds after. The hub
//     sends the PUBACK of best-effort readings only once they are durable in SQLite
//     (synchronous=FULL); mosquitto at arrival.
// Devices connect anonymously (HUB_MQTT_ALLOW_ANONYMOUS): a device key costs one scrypt run per
// device at its first login and at provisioning (about 50 ms of CPU each), which would make the
// connect figure a measure of scrypt alone; `mqtt-scale.keyed` measures that path on a sample
// (from the benchmark's process: the hub's scrypt runs are the bottleneck there, not the client).
// The generators are GENERATORS child processes, each from its own 127.0.0.x source address.
// BENCH_MQTT_DEVICES, BENCH_MQTT_ROUNDS, BENCH_MQTT_CONNECT_S, BENCH_MQTT_KEYED override the
// defaults; the count is capped to what one server process may hold within the machine's
// open-file limit, and to what connects within the connect budget (both reported). Mosquitto
// gets the count the hub reached (and three times the budget to connect them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { DeviceCredentials } from '../src/core/credentials.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { startHubProcess } from '../test/helpers/hub-process.js';
import { startMosquitto } from './mosquitto.js';
import { connectionCount, Generators, type HeapFigures, mb, memoryProbeEnv, probeMemory, rssKb, shares, sleep } from './scale.js';
import { percentile, report } from './stats.js';

const GENERATORS = 4;
const INTERVAL_MS = 10_000;
/** Measured rounds, after the warm-up round. */
const ROUNDS = Number(process.env.BENCH_MQTT_ROUNDS ?? 2);
const KEYED = Number(process.env.BENCH_MQTT_KEYED ?? 50);
const WINDOW = 100;
/** No connection is begun after this many seconds: the count reached is reported (BENCH_MQTT_CONNECT_S). */
const CONNECT_BUDGET_S = Number(process.env.BENCH_MQTT_CONNECT_S ?? 60);
const { count: DEVICES, asked, limitedBy } = connectionCount('BENCH_MQTT_DEVICES', 50_000);

interface Connected {
  connected: number;
  seconds: number;
  connectMs: number[];
  errors: Record<string, number>;
}
interface Published {
  sent: number;
  acked: number;
  /** When the generator had its last ack (or gave up waiting), epoch ms. */
  ackedAt: number;
  latencies: number[];
  connectedAtEnd: number;
}

interface Server {
  pid: number;
  host: string;
  port: number;
  /** Heap figures from inside the process, where there is a probe. */
  heap?: () => Promise<HeapFigures>;
}

/**
 * Connects `devices` devices to `server` (as many as connect within `budgetS` seconds), has
 * each publish once (the warm-up: a new device's first reading registers its metric) and waits
 * for every ack, then runs the measured rounds, and returns the figures.
 */
async function load(server: Server, devices: number, budgetS: number): Promise<Record<string, unknown>> {
  await sleep(1_000);
  const rssBefore = rssKb(server.pid);
  const heapBefore = await server.heap?.();
  const generators = new Generators(
    new URL('./mqtt-scale-devices.ts', import.meta.url).pathname,
    shares(devices, GENERATORS).map((count, index) => ({
      host: server.host,
      port: server.port,
      localAddress: `127.0.0.${index + 2}`,
      index,
      generators: GENERATORS,
      count,
      total: devices,
      prefix: 'scale-',
    })),
  );
  generators.start();
  try {
    const connected = await generators.ask<Connected>({ cmd: 'connect', window: WINDOW, deadline: Date.now() + budgetS * 1000 });
    const open = connected.reduce((n, c) => n + c.connected, 0);
    await sleep(2_000);
    const rssConnected = rssKb(server.pid);
    const heapConnected = await server.heap?.();
    const rounds = (count: number, drainMs: number) =>
      generators.ask<Published>({
        cmd: 'publish',
        startAt: Date.now() + 500,
        rounds: count,
        intervalMs: INTERVAL_MS,
        measureFrom: 0,
        drainMs,
        connected: open,
      });
    const warmStarted = Date.now();
    const warm = await rounds(1, 180_000);
    const measured = await rounds(ROUNDS, 30_000);
    const rssLoaded = rssKb(server.pid);
    const heapLoaded = await server.heap?.();
    await generators.ask({ cmd: 'close' });
    const connects = connected.flatMap((c) => c.connectMs);
    const latencies = measured.flatMap((p) => p.latencies);
    const perConnectionKb = (kb: number) => Math.round((kb / open) * 100) / 100;
    const heapPerConnectionKb = (heap: HeapFigures | undefined) =>
      heap && heapBefore && perConnectionKb((heap.heapUsed - heapBefore.heapUsed) / 1024);
    return {
      devices,
      connected: open,
      ...(open < devices && { connectStoppedBy: `${budgetS} s budget (BENCH_MQTT_CONNECT_S)` }),
      connectErrors: Object.assign({}, ...connected.map((c) => c.errors)),
      connectSeconds: round1(Math.max(...connected.map((c) => c.seconds))),
      connectsPerSecond: Math.round(open / Math.max(...connected.map((c) => c.seconds))),
      connectP50Ms: percentile(connects, 50),
      connectP99Ms: percentile(connects, 99),
      rssBeforeMb: Math.round(rssBefore / 1024),
      rssConnectedMb: Math.round(rssConnected / 1024),
      rssLoadedMb: Math.round(rssLoaded / 1024),
      rssPerConnectionKb: perConnectionKb(rssConnected - rssBefore),
      rssPerConnectionLoadedKb: perConnectionKb(rssLoaded - rssBefore),
      ...(heapBefore && {
        heapBeforeMb: mb(heapBefore.heapUsed),
        heapPerConnectionKb: heapPerConnectionKb(heapConnected),
        heapPerConnectionLoadedKb: heapPerConnectionKb(heapLoaded),
      }),
      firstReadingOfEverySeconds: round1((Math.max(...warm.map((w) => w.ackedAt)) - warmStarted) / 1000),
      firstReadingsUnacked: warm.reduce((n, p) => n + p.sent - p.acked, 0),
      messagesPerSecond: Math.round(open / (INTERVAL_MS / 1000)),
      measuredRounds: ROUNDS,
      acksMeasured: latencies.length,
      unacked: measured.reduce((n, p) => n + p.sent - p.acked, 0),
      droppedByEnd: open - measured.reduce((n, p) => n + p.connectedAtEnd, 0),
      ackP50Ms: percentile(latencies, 50),
      ackP99Ms: percentile(latencies, 99),
      ackMaxMs: percentile(latencies, 100),
    };
  } finally {
    await generators.stop();
  }
}

async function benchHub(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mqtt-scale-'));
  const memoryFile = join(dir, 'memory.json');
  const hub = await startHubProcess({
    built: true,
    dataDir: dir,
    args: ['--mqtt-allow-anonymous', 'true'],
    env: memoryProbeEnv(memoryFile),
  });
  try {
    const port = Number(new URL(hub.mqttUrl).port);
    return await load(
      { pid: hub.child.pid!, host: '127.0.0.1', port, heap: () => probeMemory(hub.child.pid!, memoryFile) },
      DEVICES,
      CONNECT_BUDGET_S,
    );
  } finally {
    // The figures are in; a graceful stop would first write every device's disconnect.
    await hub.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference gets as many devices as the hub held, so the figures compare like with like. */
async function benchMosquitto(devices: number): Promise<Record<string, unknown>> {
  const broker = await startMosquitto({ raiseFileLimit: true });
  try {
    const port = Number(new URL(broker.url).port);
    // The reference is to hold what the hub held: a slow moment of the machine must not stop it short.
    return await load({ pid: broker.pid, host: '127.0.0.1', port }, devices, 3 * CONNECT_BUDGET_S);
  } finally {
    await broker.stop();
  }
}

/**
 * The keyed path on a sample: provisioning KEYED keys through the store (what `device add` does),
 * then their first logins, which the hub checks with scrypt two at a time. Projected to DEVICES.
 */
async function benchKeyed(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mqtt-keyed-'));
  try {
    const store = new SqliteStore(dir);
    await store.start();
    const credentials = new DeviceCredentials(store);
    const keys = new Map<string, string>();
    const provisionStarted = performance.now();
    for (let d = 0; d < KEYED; d++) keys.set(`keyed-${d}`, (await credentials.provision(`keyed-${d}`)).key);
    const provisionSeconds = (performance.now() - provisionStarted) / 1000;
    await store.stop();
    const hub = await startHubProcess({ built: true, dataDir: dir });
    try {
      const { seconds, refusedBusy } = await firstLogins(hub.mqttUrl, keys);
      return {
        devices: KEYED,
        provisionMsPerDevice: round1((provisionSeconds * 1000) / KEYED),
        firstLoginsPerSecond: Math.round(KEYED / seconds),
        busyRefusalsRetried: refusedBusy,
        projectedProvisionMinutesFor: { devices: asked, minutes: round1(((provisionSeconds / KEYED) * asked) / 60) },
        projectedFirstLoginMinutesFor: { devices: asked, minutes: round1(((seconds / KEYED) * asked) / 60) },
      };
    } finally {
      await hub.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Logs every keyed device in once, KEY_LANES at a time (the hub queues at most 8 checks per
 * address); a login answered "busy" (CONNACK 3) is tried again.
 */
async function firstLogins(url: string, keys: Map<string, string>): Promise<{ seconds: number; refusedBusy: number }> {
  const KEY_LANES = 8;
  const ids = [...keys.keys()];
  let refusedBusy = 0;
  const began = performance.now();
  const lane = async () => {
    for (let id = ids.shift(); id !== undefined; id = ids.shift()) {
      for (;;) {
        try {
          const client = await mqtt.connectAsync(url, { clientId: id, username: id, password: keys.get(id), reconnectPeriod: 0 });
          await client.endAsync();
          break;
        } catch {
          refusedBusy++;
          await sleep(100);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: KEY_LANES }, lane));
  return { seconds: (performance.now() - began) / 1000, refusedBusy };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

const limits = { askedDevices: asked, ...(limitedBy && { limitedBy }), generators: GENERATORS, intervalMs: INTERVAL_MS, qos: 1 };
const hub = await benchHub();
report('mqtt-scale.hub', { ...limits, ackAfter: 'durable in SQLite (synchronous=FULL)', auth: 'anonymous', ...hub });
const mosquitto = await benchMosquitto(hub.connected as number);
report('mqtt-scale.mosquitto', { ...limits, ackAfter: 'PUBACK at arrival, no persistence', auth: 'anonymous', ...mosquitto });
const ratio = (key: string) => Math.round(((hub[key] as number) / Math.max(0.01, mosquitto[key] as number)) * 100) / 100;
report('mqtt-scale.ratio', {
  hubToMosquittoRssPerConnection: ratio('rssPerConnectionKb'),
  hubToMosquittoConnectSeconds: ratio('connectSeconds'),
  hubToMosquittoAckP50: ratio('ackP50Ms'),
  hubToMosquittoAckP99: ratio('ackP99Ms'),
});
if (KEYED > 0) report('mqtt-scale.keyed', await benchKeyed());
