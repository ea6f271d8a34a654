// Live push. The hub runs in its own process (auth off, anonymous MQTT), as in production.
//  1. Latency from an MQTT device's publish to the SSE client's receipt: 10 devices publish
//     QoS 1 telemetry (10 readings per message, stamped with the publish time) at 1k and 10k
//     readings/s from a process of their own (live-publishers.ts); one SSE client in this process
//     measures now − ts per event; p50 and p99 over RUNS runs (median).
//     Latency includes the store write (group commit, synchronous=FULL): events are pushed once
//     their readings are durable.
//     The reference, in the same run: the same publishers through Debian's mosquitto to one MQTT
//     subscriber (publish → subscriber receipt; no persistence, so no write in the path).
//  2. Concurrent SSE clients: opened in steps; after each step one event must reach every client;
//     the hub's resident memory growth per client is reported.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { median, percentile, report } from './stats.js';
import { startHubProcess, type HubProcess } from '../test/helpers/hub-process.js';
import { startMosquitto } from './mosquitto.js';
import { Generators } from './scale.js';

const DEVICES = 10;
const RATES = [1_000, 10_000];
const SECONDS = 4;
const RUNS = 3;
const CLIENT_STEPS = [1_000, 5_000, 10_000];

async function startHub(dir: string): Promise<HubProcess> {
  return startHubProcess({
    built: true,
    dataDir: dir,
    args: [
      '--mqtt-allow-anonymous',
      'true',
      '--live-client-queue',
      '100000',
      // every bench client comes from one address; the caps would refuse the higher steps
      '--live-max-connections',
      '100000',
      '--live-max-connections-per-token',
      '100000',
    ],
  });
}

/** A minimal SSE client counting `reading` events and handing each data line to `onData`. */
function openStream(url: string, onData: (data: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data && frame.includes('event: reading')) onData(data.slice(6));
        }
      });
      res.on('error', () => {});
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  });
}

/** The publishing devices, connected to `mqttUrl` from their own process. */
async function startPublishers(mqttUrl: string): Promise<Generators> {
  const publishers = new Generators(fileURLToPath(new URL('./live-publishers.ts', import.meta.url)), [{}]);
  publishers.start();
  await ask(publishers, { cmd: 'connect', url: mqttUrl, devices: DEVICES });
  return publishers;
}

async function ask(publishers: Generators, command: object): Promise<{ sent?: number }> {
  const [answer] = await publishers.ask<{ sent?: number; error?: string }>(command);
  if (answer?.error) throw new Error(`publishers: ${answer.error}`);
  return answer ?? {};
}

async function stopPublishers(publishers: Generators): Promise<void> {
  await ask(publishers, { cmd: 'close' }).catch(() => {});
  await publishers.stop();
}

/** Where the latency is measured: calls `onTs` with each message's publish time as it arrives. */
type Listen = (onTs: (ts: number) => void) => Promise<() => void>;

const sseListener =
  (hub: HubProcess): Listen =>
  (onTs) =>
    openStream(`${hub.url}/api/stream?types=reading`, (data) => {
      const { readings } = JSON.parse(data) as { readings: Array<{ ts: number }> };
      onTs(readings[0].ts);
    });

const mqttListener =
  (url: string): Listen =>
  async (onTs) => {
    const subscriber = await mqtt.connectAsync(url, { clientId: 'live-bench-subscriber', reconnectPeriod: 0 });
    subscriber.on('message', (_topic, payload) => onTs((JSON.parse(payload.toString()) as { ts: number }).ts));
    await subscriber.subscribeAsync('devices/+/telemetry', { qos: 1 });
    return () => void subscriber.endAsync();
  };

/** Has the publishers send at `rate` readings/s for SECONDS and returns each message's publish-to-receipt latency. */
async function latencyRun(listen: Listen, publishers: Generators, rate: number): Promise<number[]> {
  const latencies: number[] = [];
  const close = await listen((ts) => latencies.push(Date.now() - ts));
  const { sent = 0 } = await ask(publishers, { cmd: 'run', rate, seconds: SECONDS });
  const deadline = Date.now() + 10_000;
  while (latencies.length < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  close();
  if (latencies.length < sent) throw new Error(`only ${latencies.length} of ${sent} events arrived`);
  return latencies;
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

async function clientCapacity(hub: HubProcess, device: MqttClient): Promise<void> {
  const closers: Array<() => void> = [];
  let received = 0;
  let seq = 1_000_000;
  const baseline = rssKb(hub.child.pid!);
  try {
    for (const target of CLIENT_STEPS) {
      while (closers.length < target) {
        const batch = Math.min(200, target - closers.length);
        closers.push(
          ...(await Promise.all(
            Array.from({ length: batch }, () =>
              openStream(`${hub.url}/api/stream?types=reading&devices=${device.options.clientId}`, () => {
                received++;
              }),
            ),
          )),
        );
      }
      await new Promise((r) => setTimeout(r, 1_000));
      const rss = rssKb(hub.child.pid!);
      received = 0;
      const began = performance.now();
      device.publish(`devices/${device.options.clientId}/telemetry`, JSON.stringify({ seq: seq++, readings: { m0: 1 } }), { qos: 1 });
      const deadline = Date.now() + 30_000;
      while (received < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      report('live.sse-clients', {
        clients: target,
        reached: received,
        fanoutMs: Math.round(performance.now() - began),
        hubRssMb: Math.round(rss / 1024),
        rssPerClientKb: Math.round(((rss - baseline) / target) * 10) / 10,
      });
      if (received < target) break;
    }
  } finally {
    for (const close of closers) close();
  }
}

/** Starts a hub in a fresh data directory, runs `body` against it, and stops it. */
async function withHub(body: (hub: HubProcess) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  const hub = await startHub(dir);
  try {
    await body(hub);
  } finally {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RUNS runs at each rate against the broker at `mqttUrl`: the median over runs of each run's p50 and p99. */
async function latencies(mqttUrl: string, listen: Listen, report: (figures: LatencyFigures) => void): Promise<void> {
  const publishers = await startPublishers(mqttUrl);
  try {
    await new Promise((r) => setTimeout(r, 500));
    for (const rate of RATES) {
      const p50: number[] = [];
      const p99: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const measured = await latencyRun(listen, publishers, rate);
        p50.push(percentile(measured, 50));
        p99.push(percentile(measured, 99));
      }
      report({ readingsPerSecond: rate, runs: RUNS, seconds: SECONDS, p50Ms: median(p50), p99Ms: median(p99), p50Runs: p50, p99Runs: p99 });
    }
  } finally {
    await stopPublishers(publishers);
  }
}

interface LatencyFigures {
  readingsPerSecond: number;
  runs: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  p50Runs: number[];
  p99Runs: number[];
}

const hubLatency = new Map<number, LatencyFigures>();
await withHub((hub) =>
  latencies(hub.mqttUrl, sseListener(hub), (figures) => {
    hubLatency.set(figures.readingsPerSecond, figures);
    report('live.publish-to-sse', { ...figures, ackAfter: 'durable in SQLite (synchronous=FULL)' });
  }),
);
const mosquitto = await startMosquitto();
try {
  await latencies(mosquitto.url, mqttListener(mosquitto.url), (figures) => {
    report('live.publish-to-subscriber-mosquitto', { ...figures, persistence: false });
    const hub = hubLatency.get(figures.readingsPerSecond)!;
    // Latencies are whole milliseconds (Date.now() in the payload): the reference is floored at 1 ms.
    report('live.latency-ratio', {
      readingsPerSecond: figures.readingsPerSecond,
      hubToMosquittoP50: round2(hub.p50Ms / Math.max(1, figures.p50Ms)),
      hubToMosquittoP99: round2(hub.p99Ms / Math.max(1, figures.p99Ms)),
    });
  });
} finally {
  await mosquitto.stop();
}
// A fresh, idle hub for the client count, so memory per client is not blurred by the load above.
// LIVE_BENCH=latency skips it.
if (process.env.LIVE_BENCH !== 'latency') {
  await withHub(async (hub) => {
    const device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'live-bench-fanout', reconnectPeriod: 0 });
    try {
      await device.publishAsync('devices/live-bench-fanout/meta', JSON.stringify({ metrics: [{ name: 'm0' }] }), { qos: 1, retain: true });
      await clientCapacity(hub, device);
    } finally {
      await device.endAsync().catch(() => {});
    }
  });
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
