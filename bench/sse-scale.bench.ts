// Live push at scale: 50,000 SSE clients on the hub's /api/stream (its own process, live caps
// raised through settings), opened by GENERATORS client processes from their own 127.0.0.x
// source addresses. Figures:
//   - memory per client: the hub's RSS with every client connected minus its RSS before any,
//     over the clients (/proc/<pid>/status), and the V8 heap after a full GC read inside the hub
//     (bench/memory-probe.mjs);
//   - fan-out: one device publishes one reading (MQTT QoS 1); the time from the publish to its
//     arrival at each client, p50, p99 and the last across clients, median over ROUNDS rounds.
//     It includes the store write: the hub pushes readings once they are durable.
// The reference, in the same run with the same number of clients: a bare Node http server in its
// own process holding the streams (bench/sse-reference-server.ts), told over HTTP to write the
// same event to all; its times run from that request.
// BENCH_SSE_CLIENTS, BENCH_SSE_CONNECT_S and BENCH_SSE_ROUNDS override the defaults; the count is
// capped to what one server process may hold within the open-file limit and to what connects
// within the connect budget (both reported).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startHubProcess } from '../test/helpers/hub-process.js';
import { connectionCount, Generators, type HeapFigures, mb, memoryProbeEnv, probeMemory, rssKb, shares, sleep } from './scale.js';
import { median, percentile, report } from './stats.js';

const GENERATORS = 4;
const WINDOW = 100;
const ROUNDS = Number(process.env.BENCH_SSE_ROUNDS ?? 5);
const CONNECT_BUDGET_S = Number(process.env.BENCH_SSE_CONNECT_S ?? 60);
const DEVICE = 'sse-scale-1';
const { count: CLIENTS, asked, limitedBy } = connectionCount('BENCH_SSE_CLIENTS', 50_000);

interface Connected {
  connected: number;
  seconds: number;
  connectMs: number[];
  errors: Record<string, number>;
}

interface Server {
  pid: number;
  port: number;
  path: string;
  heap?: () => Promise<HeapFigures>;
  /** Sends one reading carrying `value` toward the clients; resolves with when it was sent (epoch ms). */
  emit(value: number): Promise<number>;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Opens `clients` streams on `server` (none begun after `budgetS` seconds), then ROUNDS times
 * sends one reading and times its arrival at each.
 */
async function fanOut(server: Server, clients: number, budgetS: number): Promise<Record<string, unknown>> {
  await server.emit(1); // warms the path (for the hub: registers the metric)
  await sleep(1_000);
  const rssBefore = rssKb(server.pid);
  const heapBefore = await server.heap?.();
  const generators = new Generators(
    new URL('./sse-scale-clients.ts', import.meta.url).pathname,
    shares(clients, GENERATORS).map((count, index) => ({
      host: '127.0.0.1',
      port: server.port,
      path: server.path,
      localAddress: `127.0.0.${index + 2}`,
      count,
    })),
  );
  generators.start();
  try {
    const connected = await generators.ask<Connected>({ cmd: 'connect', window: WINDOW, deadline: Date.now() + budgetS * 1000 });
    const open = connected.reduce((n, c) => n + c.connected, 0);
    await sleep(2_000);
    const rssConnected = rssKb(server.pid);
    const heapConnected = await server.heap?.();
    const rounds: Array<{ p50: number; p99: number; last: number; reached: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const value = 424_242 + round + 0.125;
      await generators.ask({ cmd: 'arm', marker: `"value":${value}` });
      const sentAt = await server.emit(value);
      const collected = await generators.ask<{ arrivals: number[]; open: number }>({ cmd: 'collect', timeoutMs: 60_000 });
      const delays = collected.flatMap((c) => c.arrivals.map((at) => at - sentAt));
      rounds.push({ p50: percentile(delays, 50), p99: percentile(delays, 99), last: percentile(delays, 100), reached: delays.length });
      await sleep(500);
    }
    const rssAfter = rssKb(server.pid);
    await generators.ask({ cmd: 'close' });
    const connects = connected.flatMap((c) => c.connectMs);
    const perClientKb = (kb: number) => Math.round((kb / open) * 100) / 100;
    const ms = (xs: number[]) => Math.round(median(xs) * 10) / 10;
    return {
      clients,
      connected: open,
      ...(open < clients && { connectStoppedBy: `${budgetS} s budget (BENCH_SSE_CONNECT_S)` }),
      connectErrors: Object.assign({}, ...connected.map((c) => c.errors)),
      connectSeconds: Math.round(Math.max(...connected.map((c) => c.seconds)) * 10) / 10,
      connectP50Ms: percentile(connects, 50),
      connectP99Ms: percentile(connects, 99),
      rssBeforeMb: Math.round(rssBefore / 1024),
      rssConnectedMb: Math.round(rssConnected / 1024),
      rssPerClientKb: perClientKb(rssConnected - rssBefore),
      rssPerClientAfterRoundsKb: perClientKb(rssAfter - rssBefore),
      ...(heapBefore &&
        heapConnected && {
          heapBeforeMb: mb(heapBefore.heapUsed),
          heapPerClientKb: perClientKb((heapConnected.heapUsed - heapBefore.heapUsed) / 1024),
        }),
      rounds: ROUNDS,
      reachedMin: Math.min(...rounds.map((r) => r.reached)),
      arrivalP50Ms: ms(rounds.map((r) => r.p50)),
      arrivalP99Ms: ms(rounds.map((r) => r.p99)),
      arrivalLastMs: ms(rounds.map((r) => r.last)),
      arrivalP99Rounds: rounds.map((r) => Math.round(r.p99)),
    };
  } finally {
    await generators.stop();
  }
}

async function benchHub(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sse-scale-'));
  const memoryFile = join(dir, 'memory.json');
  const caps = String(CLIENTS + 1_000);
  const hub = await startHubProcess({
    built: true,
    dataDir: dir,
    // every client comes from 127.0.0.x with auth off, so the per-owner cap is per address: raised with the total
    args: ['--mqtt-allow-anonymous', 'true', '--live-max-connections', caps, '--live-max-connections-per-token', caps],
    env: memoryProbeEnv(memoryFile),
  });
  const device = await mqtt.connectAsync(hub.mqttUrl, { clientId: DEVICE, reconnectPeriod: 0 });
  try {
    return await fanOut(
      {
        pid: hub.child.pid!,
        port: Number(new URL(hub.url).port),
        path: `/api/stream?types=reading&devices=${DEVICE}`,
        heap: () => probeMemory(hub.child.pid!, memoryFile),
        async emit(value) {
          const sentAt = now();
          await device.publishAsync(`devices/${DEVICE}/telemetry`, JSON.stringify({ readings: { m: value } }), { qos: 1 });
          return sentAt;
        },
      },
      CLIENTS,
      CONNECT_BUDGET_S,
    );
  } finally {
    await device.endAsync();
    // The figures are in; the streams are gone with the client processes.
    await hub.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchReference(clients: number): Promise<Record<string, unknown>> {
  const child = fork(new URL('./sse-reference-server.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
    return await fanOut(
      {
        pid: child.pid!,
        port,
        path: '/stream',
        async emit(value) {
          const sentAt = now();
          await (await fetch(`http://127.0.0.1:${port}/emit?value=${value}`, { method: 'POST' })).arrayBuffer();
          return sentAt;
        },
      },
      clients,
      // The reference is to hold what the hub held: a slow moment of the machine must not stop it short.
      3 * CONNECT_BUDGET_S,
    );
  } finally {
    child.kill('SIGTERM');
  }
}

const limits = { askedClients: asked, ...(limitedBy && { limitedBy }), generators: GENERATORS };
const hub = await benchHub();
report('sse-scale.hub', { ...limits, pushAfter: 'durable in SQLite, from the MQTT publish', ...hub });
const reference = await benchReference(hub.connected as number);
report('sse-scale.reference', { ...limits, server: 'bare node:http, writes on POST /emit', ...reference });
const ratio = (key: string) => Math.round(((hub[key] as number) / Math.max(0.01, reference[key] as number)) * 100) / 100;
report('sse-scale.ratio', {
  hubToReferenceRssPerClient: ratio('rssPerClientKb'),
  hubToReferenceArrivalP50: ratio('arrivalP50Ms'),
  hubToReferenceArrivalP99: ratio('arrivalP99Ms'),
});
