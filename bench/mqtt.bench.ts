// MQTT ingest: 100 devices publish telemetry at QoS 1 concurrently, each with up to IN_FLIGHT
// messages not yet PUBACKed. Against the hub (its own process, device keys checked, every message
// acked only once durable in SQLite) a run ends when every device holds the ack for its last seq.
// The same load generator against Debian's mosquitto (no persistence, no auth) ends when every
// PUBACK is in: the baseline a plain broker sets. The load generator is this process; each broker
// runs in its own. Both sides warm up, then run RUNS times, taking turns; the medians, the ratio
// and each broker's CPU time per message are reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { DeviceCredentials } from '../src/core/credentials.js';
import { DEFAULT_KEY_CHECK_LIMITS } from '../src/core/key-checks.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { median, processCpuMs, report } from './stats.js';
import { startHubProcess } from '../test/helpers/hub-process.js';
import { startMosquitto } from './mosquitto.js';

const DEVICES = 100;
const MESSAGES_PER_DEVICE = 100;
const READINGS_PER_MESSAGE = 10;
/** QoS 1 messages a device has sent and not yet had PUBACKed, at most. */
const IN_FLIGHT = 10;
const RUNS = 7;
const WARMUP_RUNS = 3;
const KEY_CHECKS_PER_ADDRESS = DEFAULT_KEY_CHECK_LIMITS.perCaller;

interface Target {
  url: string;
  keys?: Map<string, string>;
  /** True when the run ends at the hub's durable ack rather than at the PUBACK. */
  waitForHubAck: boolean;
}

/** One run: connect every device, publish everything at once, wait until each device is done. */
async function loadRun(target: Target, run: number): Promise<number> {
  const done: Promise<void>[] = [];
  const clients: MqttClient[] = [];
  // The hub checks at most KEY_CHECKS_PER_ADDRESS keys of one address at once and refuses more as
  // busy; every bench device comes from 127.0.0.1, so they log in that many at a time.
  for (let d = 0; d < DEVICES; d += KEY_CHECKS_PER_ADDRESS) {
    const group = Array.from({ length: Math.min(KEY_CHECKS_PER_ADDRESS, DEVICES - d) }, (_, i) => {
      const id = `bench-${d + i}`;
      const key = target.keys?.get(id);
      return mqtt.connectAsync(target.url, { clientId: `${id}-r${run}`, reconnectPeriod: 0, ...(key && { username: id, password: key }) });
    });
    clients.push(...(await Promise.all(group)));
  }
  const base = Date.now() - 3_600_000 + run * MESSAGES_PER_DEVICE * READINGS_PER_MESSAGE;
  const seqBase = run * MESSAGES_PER_DEVICE;
  const lastSeq = seqBase + MESSAGES_PER_DEVICE - 1;
  if (target.waitForHubAck) {
    await Promise.all(clients.map((c, d) => c.subscribeAsync(`devices/bench-${d}/ack`, { qos: 1 })));
  }
  const began = performance.now();
  clients.forEach((client, d) => {
    const topic = `devices/bench-${d}/telemetry`;
    const acked = target.waitForHubAck
      ? new Promise<void>((resolve) =>
          client.on('message', (_t, payload) => {
            if (JSON.parse(payload.toString()).h === lastSeq) resolve();
          }),
        )
      : null;
    const publish = (i: number) => {
      const batch = Array.from({ length: READINGS_PER_MESSAGE }, (_, k) => ({
        ts: base + i * READINGS_PER_MESSAGE + k,
        readings: { power: 100 + k },
      }));
      return client.publishAsync(topic, JSON.stringify({ seq: seqBase + i, batch }), { qos: 1 });
    };
    // IN_FLIGHT lanes per device: each publishes its next message when its last one's PUBACK is in.
    let next = 0;
    const lane = async () => {
      while (next < MESSAGES_PER_DEVICE) await publish(next++);
    };
    const pubacks = Array.from({ length: IN_FLIGHT }, lane);
    done.push(Promise.all(pubacks).then(() => acked ?? undefined));
  });
  await Promise.all(done);
  const seconds = (performance.now() - began) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  return seconds;
}

interface Side {
  target: Target;
  /** The broker's process, whose CPU time each run reads. */
  pid: number;
  seconds: number[];
  cpuMsPerRun: number[];
}

/**
 * Both brokers are up and the runs take turns, hub then mosquitto, so a slow stretch of the shared
 * machine falls on both. Each side's first WARMUP_RUNS runs warm it up (key checks, and the JIT:
 * one run of 10,000 messages leaves the hub's first counted run about a third slower than the
 * rest) and are not counted.
 */
async function measure(sides: Side[]): Promise<void> {
  for (let run = 0; run < WARMUP_RUNS + RUNS; run++) {
    for (const side of sides) {
      const cpu = processCpuMs(side.pid);
      const s = await loadRun(side.target, run);
      if (run < WARMUP_RUNS) continue;
      side.seconds.push(s);
      side.cpuMsPerRun.push(processCpuMs(side.pid) - cpu);
    }
  }
}

async function startHub(): Promise<{ side: Side; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mqtt-hub-'));
  const keys = new Map<string, string>();
  const store = new SqliteStore(dir);
  await store.start();
  const credentials = new DeviceCredentials(store);
  await Promise.all(
    Array.from({ length: DEVICES }, async (_, d) => keys.set(`bench-${d}`, (await credentials.provision(`bench-${d}`)).key)),
  );
  await store.stop();
  const hub = await startHubProcess({ built: true, dataDir: dir });
  return {
    side: { target: { url: hub.mqttUrl, keys, waitForHubAck: true }, pid: hub.child.pid!, seconds: [], cpuMsPerRun: [] },
    async stop() {
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const messages = DEVICES * MESSAGES_PER_DEVICE;
const readings = messages * READINGS_PER_MESSAGE;
const hub = await startHub();
const broker = await startMosquitto();
const reference: Side = { target: { url: broker.url, waitForHubAck: false }, pid: broker.pid, seconds: [], cpuMsPerRun: [] };
try {
  await measure([hub.side, reference]);
} finally {
  await broker.stop();
  await hub.stop();
}
const figures = (side: Side) => ({
  runs: side.seconds.length,
  medianSeconds: Math.round(median(side.seconds) * 1000) / 1000,
  messagesPerSecond: Math.round(messages / median(side.seconds)),
  readingsPerSecond: Math.round(readings / median(side.seconds)),
  /** The broker process's CPU time (all threads) per message: steadier than wall time on a shared machine. */
  brokerCpuMicrosPerMessage: Math.round((median(side.cpuMsPerRun) * 1000) / messages),
});
const hubFigures = figures(hub.side);
const mosquitto = figures(reference);
const load = { devices: DEVICES, qos: 1, inFlightPerDevice: IN_FLIGHT, messagesPerRun: messages, readingsPerMessage: READINGS_PER_MESSAGE };
report('mqtt-ingest-hub', { ...load, ackAfter: 'durable in SQLite', ...hubFigures });
report('mqtt-ingest-mosquitto', { ...load, ackAfter: 'PUBACK, no persistence', ...mosquitto });
report('mqtt-ingest-ratio', {
  hubToMosquittoMessages: Math.round((hubFigures.messagesPerSecond / mosquitto.messagesPerSecond) * 1000) / 1000,
  runRatios: hub.side.seconds.map((s, i) => Math.round((reference.seconds[i]! / s) * 1000) / 1000),
});
