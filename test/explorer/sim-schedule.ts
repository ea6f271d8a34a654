// One schedule: a seeded world of MQTT device clients, ESP32-like ring devices and serial boards
// around one hub, a fault phase in which every step draws connection cuts, reboots, hub crashes,
// store failures and slow writes, line noise, duplicated frames and stray publishers, then a quiet
// phase in which the devices must drain. Everything random comes from the seed; time is simulated
// (100 ms a step) and every asynchronous effect is let run to completion between steps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { Book } from './sim-book.js';
import { ClientActor, malformedBody } from './sim-devices-mqtt.js';
import { EspActor } from './sim-devices-esp.js';
import { LineActor } from './sim-devices-line.js';
import { SimHub } from './sim-hub.js';
import { LineLink, SimLineSession } from './sim-hub-line.js';
import { MqttConn, SimMqttHub } from './sim-hub-mqtt.js';
import { checkStore } from './sim-invariants.js';
import { Prng } from './prng.js';
import { Counts, STEP_MS, T0, Trace, type Actor, type World } from './sim-world.js';
import { injectFaults, injectMidStepFaults } from './sim-faults.js';

export interface ScheduleOptions {
  faultSteps?: number;
  quietSteps?: number;
  trace?: boolean;
}

export interface ScheduleResult {
  seed: number;
  violations: string[];
  /** Devices that gave up a message because of a refusal of another connection's message. */
  collateral: string[];
  steps: number;
  counts: Counts;
  trace: string[];
}

// Not tempDir(): schedules also run outside node:test (`npm run soak`, thousands per process),
// so every schedule's directory goes under one scratch dir that is removed when the process exits.
const SCRATCH = (() => {
  try {
    return mkdtempSync('/dev/shm/sim-explorer-');
  } catch {
    return mkdtempSync(join(tmpdir(), 'sim-explorer-'));
  }
})();
process.once('exit', () => rmSync(SCRATCH, { recursive: true, force: true }));

/** Lets every promise chain and setImmediate (the outbox's coalesced acks, push-back closes) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface Sim {
  world: World;
  hub: SimHub;
  actors: Actor[];
  lines: LineActor[];
  mqttDevices: string[];
  noise: number;
}

export async function runSchedule(seed: number, options: ScheduleOptions = {}): Promise<ScheduleResult> {
  const faultSteps = options.faultSteps ?? 200;
  const quietSteps = options.quietSteps ?? 400;
  const rng = new Prng(seed);
  const counts = new Counts();
  const trace = new Trace(options.trace === true);
  const dir = mkdtempSync(join(SCRATCH, `s${seed}-`));
  let mqttHub!: SimMqttHub;
  const world: World = {
    step: 0,
    faulting: true,
    rng: rng.fork(),
    counts,
    trace,
    clock: () => T0 + world.step * STEP_MS,
    mqtt: () => mqttHub,
  };
  const hubOptions = { maxPending: rng.range(3, 12), maxPayload: 400 };
  const hub = new SimHub(join(dir, 'hub'), hubOptions, world.clock, counts, trace);
  const books: Book[] = [];
  const actors: Actor[] = [];
  const lines: LineActor[] = [];
  const mqttDevices: string[] = [];
  const wrapHeads = new Map<string, number>();
  const kinds = [...Array(rng.range(1, 2)).fill('client'), ...Array(rng.range(1, 2)).fill('esp'), ...Array(rng.range(1, 2)).fill('line')];
  kinds.forEach((kind, i) => {
    const id = `${kind}-${i}`;
    const book = new Book(id, i, hub.commits, trace, () => world.step, {
      head: (deviceId) => hub.core.streams.head(deviceId),
      accounts: (deviceId, seq) => hub.record.accounts(deviceId, seq),
    });
    books.push(book);
    if (rng.chance(0.3)) wrapHeads.set(id, 2 ** 32 - rng.range(1, 12));
    if (kind === 'client') {
      const file = rng.chance(0.6) ? join(dir, `${id}.queue`) : undefined;
      actors.push(new ClientActor(id, book, world, file, rng.chance(0.5)));
      mqttDevices.push(id);
    } else if (kind === 'esp') {
      actors.push(new EspActor(id, book, world, rng.range(3, 8), rng.chance(0.5)));
      mqttDevices.push(id);
    }
  });
  await provision(
    join(dir, 'hub'),
    kinds.map((k, i) => `${k}-${i}`),
    wrapHeads,
  );
  hub.onBoot = (core) => {
    mqttHub?.closeAll('hub process died');
    mqttHub = new SimMqttHub(core, hubOptions.maxPayload, hub.record, counts, trace);
    for (const line of lines) {
      line.link.toHub = [];
      const session = new SimLineSession(core, line.link, world.clock, counts, trace);
      sessions.set(line, session);
    }
  };
  const sessions = new Map<LineActor, SimLineSession>();
  kinds.forEach((kind, i) => {
    if (kind !== 'line') return;
    const actor = new LineActor(`${kind}-${i}`, books[i], world, new LineLink(), rng.range(3, 8));
    actors.push(actor);
    lines.push(actor);
  });
  await hub.boot();
  const sim: Sim = { world, hub, actors, lines, mqttDevices, noise: rng.float() * 0.15 };
  trace.add(
    `devices ${kinds.map((k, i) => `${k}-${i}`).join(', ')}; maxPending ${hubOptions.maxPending}; wrap ${[...wrapHeads].join(' ')}; noise ${sim.noise.toFixed(3)}`,
  );

  let step = 0;
  let drainedFor = 0;
  for (; step < faultSteps + quietSteps; step++) {
    world.step = trace.step = step;
    world.faulting = step < faultSteps;
    if (step === faultSteps) {
      hub.core.store.healthy();
      sim.noise = 0;
    }
    hub.core.store.tick(step);
    if (world.faulting) await injectFaults(sim, (deviceId) => strayPublish(mqttHub, deviceId, rng));
    for (const actor of actors) actor.tick();
    if (world.faulting) injectMidStepFaults(sim);
    deliverMqtt(mqttHub, rng);
    deliverLines(sim, sessions, rng);
    if (!world.faulting || rng.chance(0.4)) hub.flush();
    await settle();
    if (!world.faulting) {
      const busy = actors.some((a) => a.backlog() > 0) || hub.core.store.inFlight > 0 || hub.core.ingest.pendingReadings > 0;
      drainedFor = busy ? 0 : drainedFor + 1;
      if (drainedFor >= 30) break;
    }
  }
  const ledger = hub.core.streams;
  await hub.shutdown();
  const store = new SqliteStore(join(dir, 'hub'));
  await store.start();
  const violations = [
    ...books.flatMap((b) => b.violations),
    ...(await checkStore(store, {
      books,
      actors,
      commits: hub.commits,
      record: hub.record,
      expected: (id) => ledger.expected(id),
    })),
  ];
  await store.stop();
  hub.disarmAll();
  rmSync(dir, { recursive: true, force: true });
  const collateral = books.flatMap((b) =>
    [...b.samples.values()]
      .filter((s) => s.collateral)
      .map((s) => `${s.deviceId}: gave up value ${s.value} (seq ${s.seq}) on a refusal of another connection's message`),
  );
  return { seed, violations, collateral, steps: step, counts, trace: trace.lines };
}

/** Devices exist before the hub starts (provisioned); some streams start just below the wrap. */
async function provision(dir: string, ids: string[], heads: Map<string, number>): Promise<void> {
  const store = new SqliteStore(dir);
  await store.start();
  for (const id of ids) {
    await store.saveDevice({
      id,
      name: id,
      transport: id.startsWith('line') ? 'line' : 'mqtt',
      metrics: [],
      actuators: [],
      presence: 'unknown',
      lastSeen: null,
      createdAt: T0,
    });
  }
  await store.writeBatch({ readings: [], heads: [...heads].map(([deviceId, h]) => ({ deviceId, h })), lastSeen: [] });
  await store.stop();
}

/** A shell's mosquitto_pub under the device's login, publishing once while the device holds its stream. */
function strayPublish(hub: SimMqttHub, deviceId: string, rng: Prng): void {
  const conn = new MqttConn(deviceId, `${deviceId}-shell`);
  hub.connect(conn);
  const seq = rng.int(2 ** 32);
  const body = rng.chance(0.5) ? { seq, first: seq, readings: { v: 0.25 } } : { seq, ...malformedBody(0.5) };
  conn.send({ kind: 'publish', topic: `devices/${deviceId}/telemetry`, payload: Buffer.from(JSON.stringify(body)) });
  hub.deliverUp(conn);
  hub.close(conn, 'shell done');
}

function deliverMqtt(hub: SimMqttHub, rng: Prng): void {
  for (const conn of hub.openConns()) {
    const n = rng.range(0, 3);
    for (let i = 0; i < n && conn.uplink.length > 0; i++) hub.deliverUp(conn);
  }
}

function deliverLines(sim: Sim, sessions: Map<LineActor, SimLineSession>, rng: Prng): void {
  // A serial line carries a frame in about a millisecond: all that was sent this step arrives,
  // so the age a device reports dates its sample as exactly as it does on a real line.
  for (const line of sim.lines) {
    while (line.link.toHub.length > 0) {
      let frame = line.link.toHub.shift()!;
      if (rng.chance(sim.noise)) {
        sim.world.counts.fault('lineFrameLost');
        continue;
      }
      if (rng.chance(sim.noise / 2)) {
        sim.world.counts.fault('lineFrameDamaged');
        frame = Buffer.from(frame);
        frame[rng.int(frame.length - 1)] ^= 0x20;
      }
      sessions.get(line)!.onLine(frame.subarray(0, frame.length - 1));
    }
  }
}
