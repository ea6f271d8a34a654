// The hub under test: the real core (Ingest, StreamLedger, DeviceRegistry, EventBus) over the real
// SqliteStore, wrapped in the faulty store double. Flushes are scheduled events of the explorer,
// never timers, so a run replays exactly from its seed. A crash drops every core object without
// stop() and boots new ones on the same data directory, as a SIGKILL and restart would.
import { DeviceRegistry } from '../../src/core/devices.js';
import { EventBus } from '../../src/core/events.js';
import { Ingest } from '../../src/core/ingest.js';
import { StreamLedger } from '../../src/core/streams.js';
import { HubMetrics } from '../../src/observability/hub-metrics.js';
import { createLogger } from '../../src/observability/logger.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { CommitLog, FaultyStore } from './sim-store.js';
import type { Counts, Trace } from './sim-world.js';

export const LOG = createLogger('silent');
/** Presence and commands play no part in the stream rules: the simulated transports get no-ops. */
export const NO_PRESENCE = { online() {}, offline() {}, heard() {} };
export const NO_COMMANDS = {
  async ack() {
    return null;
  },
  async redeliver() {},
  acceptKind() {},
  attach() {
    return () => {};
  },
};
/** Far beyond any schedule: the flush timer Ingest arms never fires; the explorer flushes. */
const NEVER_MS = 2_000_000_000;

export interface HubOptions {
  maxPending: number;
  maxPayload: number;
}

/** One life of the hub process. Everything of it becomes inert once `alive` turns false. */
export interface Core {
  generation: number;
  alive: boolean;
  sqlite: SqliteStore;
  store: FaultyStore;
  bus: EventBus;
  streams: StreamLedger;
  devices: DeviceRegistry;
  ingest: Ingest;
  metrics: HubMetrics;
}

/** What the hub told about seqs it did not store: declared losses and final refusals, per device. */
export class HubRecord {
  readonly losses = new Map<string, Array<{ from: number; to: number }>>();
  readonly refused = new Map<string, Set<number>>();

  loss(deviceId: string, from: number, to: number): void {
    let list = this.losses.get(deviceId);
    if (!list) this.losses.set(deviceId, (list = []));
    list.push({ from, to });
  }

  refusal(deviceId: string, seq: number): void {
    let set = this.refused.get(deviceId);
    if (!set) this.refused.set(deviceId, (set = new Set()));
    set.add(seq);
  }

  accounts(deviceId: string, seq: number): boolean {
    if (this.refused.get(deviceId)?.has(seq)) return true;
    return (this.losses.get(deviceId) ?? []).some(({ from, to }) => (seq - from + 2 ** 32) % 2 ** 32 <= (to - from + 2 ** 32) % 2 ** 32);
  }
}

export class SimHub {
  core!: Core;
  readonly commits = new CommitLog();
  readonly record = new HubRecord();
  private generation = 0;
  private readonly lives: Core[] = [];
  /** Called after each boot, so the transports can attach to the new core. */
  onBoot: (core: Core) => void = () => {};

  constructor(
    private readonly dir: string,
    readonly options: HubOptions,
    readonly clock: () => number,
    private readonly counts: Counts,
    private readonly trace: Trace,
  ) {}

  async boot(): Promise<void> {
    const sqlite = new SqliteStore(this.dir);
    await sqlite.start();
    const store = new FaultyStore(sqlite, this.commits, this.counts);
    if (this.trace.enabled) store.trace = (line) => this.trace.add(line);
    const bus = new EventBus();
    const streams = new StreamLedger();
    const devices = new DeviceRegistry(store, streams, bus, this.clock);
    await devices.start();
    const metrics = new HubMetrics();
    const ingest = new Ingest(
      { store, devices, streams, bus, log: LOG, metrics, clock: this.clock },
      { batchSize: 1_000_000, flushIntervalMs: NEVER_MS, maxPending: this.options.maxPending },
    );
    const core: Core = { generation: ++this.generation, alive: true, sqlite, store, bus, streams, devices, ingest, metrics };
    bus.on('streamLoss', (e) => {
      if (!core.alive) return;
      this.counts.saw('streamLoss');
      this.counts.saw('seqsLost', e.count);
      this.record.loss(e.deviceId, e.from, e.to);
      this.trace.add(`hub: ${e.deviceId} lost ${e.from}..${e.to} (${e.source})`);
    });
    ingest.start();
    this.core = core;
    this.lives.push(core);
    this.trace.add(`hub: boot #${core.generation}`);
    this.onBoot(core);
  }

  /** SIGKILL: no stop(), no flush; the in-flight write is committed or not; then a restart. */
  async crash(commitInFlight: boolean): Promise<void> {
    const old = this.core;
    old.alive = false;
    this.tally(old);
    disarm(old.ingest);
    this.trace.add(`hub: crash (in-flight writes ${old.store.inFlight}, ${commitInFlight ? 'committed' : 'lost'})`);
    await old.store.crash(commitInFlight);
    await this.boot();
  }

  flush(): void {
    const core = this.core;
    core.ingest.flush().catch(() => {});
  }

  /** What one life of the hub counted: resends it dropped without writing them again. */
  private tally(core: Core): void {
    for (const source of ['mqtt', 'line']) this.counts.saw('duplicate', core.metrics.duplicates.get({ kind: 'sequence', source }) ?? 0);
  }

  /** Dropped lives may have re-armed their flush timer since the crash (a late settled()). */
  disarmAll(): void {
    for (const core of this.lives) disarm(core.ingest);
  }

  async shutdown(): Promise<void> {
    this.core.alive = false;
    this.tally(this.core);
    this.core.store.healthy();
    await this.core.ingest.stop();
    await this.core.sqlite.stop();
  }
}

/**
 * Clears the flush timer a dropped Ingest left armed. A killed process has no timers; here the
 * object lives on in memory and its timer would keep the test process from exiting.
 */
function disarm(ingest: Ingest): void {
  const timers = ingest as unknown as { timer: { cancel(): void } | null };
  timers.timer?.cancel();
  timers.timer = null;
}
