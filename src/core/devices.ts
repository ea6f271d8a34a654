// The registry of known devices: loaded from the store at start, kept in memory, written back
// whenever a description changes. Transports register devices; ingest refuses unknown ones.
import type { EventBus } from './events.js';
import type { Device, MetricSpec, PresenceState } from './model.js';
import type { Store } from './store.js';
import type { Stage } from './stage.js';
import type { StreamLedger } from './streams.js';
import { DeviceWriter } from './device-writer.js';

export type DeviceDescription = Pick<Device, 'id' | 'name' | 'transport'> &
  Partial<Pick<Device, 'metrics' | 'actuators' | 'firmware' | 'sampleIntervalMs' | 'dialect'>>;

/** The answer of admitMetrics when every name fits. */
const NONE: ReadonlySet<string> = new Set();

export class DeviceRegistry implements Stage {
  readonly name = 'registry';
  private readonly devices = new Map<string, Device>();
  /** Per device, the metric names it has or has been admitted to have (admitMetrics). */
  private readonly admitted = new Map<string, Set<string>>();
  /** lastSeen as loaded at start, to store at stop only what moved since. */
  private readonly storedSeen = new Map<string, number | null>();
  /** Descriptions are written in group commits; each register still waits for its own. */
  private readonly writer: DeviceWriter;

  constructor(
    private readonly store: Pick<Store, 'loadDevices' | 'saveDevices'>,
    private readonly streams: StreamLedger,
    private readonly bus: EventBus,
    private readonly clock: () => number = Date.now,
    /** Distinct metric names one device may have: each costs memory, a bigger device record and bigger live replays. */
    readonly maxMetrics = 500,
  ) {
    this.writer = new DeviceWriter(store);
  }

  /** Loads the known devices and restores their stream heads, before anything may register or submit. */
  async start(): Promise<void> {
    for (const stored of await this.store.loadDevices()) {
      const { streamH, ...device } = stored;
      // Presence comes back from its stored history when the presence service starts.
      this.devices.set(device.id, { ...device, presence: 'unknown' });
      this.storedSeen.set(device.id, device.lastSeen);
      this.streams.restore(device.id, streamH);
    }
  }

  /**
   * Descriptions were written through when they changed; lastSeen moves in memory with every
   * connect and heartbeat and is stored with readings only, so the newer ones are stored here,
   * for the next start to show when each device was last heard.
   */
  async stop(): Promise<void> {
    const moved = [...this.devices.values()].filter((d) => d.lastSeen !== null && d.lastSeen !== this.storedSeen.get(d.id));
    if (moved.length > 0) await this.store.saveDevices(moved);
  }

  get(id: string): Device | undefined {
    return this.devices.get(id);
  }

  list(): Device[] {
    return [...this.devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Registers a device or updates its description; metrics declared before are kept. */
  async register(desc: DeviceDescription): Promise<Device> {
    const existing = this.devices.get(desc.id);
    const device: Device = {
      presence: 'unknown',
      lastSeen: null,
      createdAt: this.clock(),
      ...existing,
      ...(stripUndefined(desc) as DeviceDescription),
      metrics: mergeMetrics(existing?.metrics ?? [], desc.metrics ?? []),
      actuators: desc.actuators ?? existing?.actuators ?? [],
    };
    if (existing && JSON.stringify(existing) === JSON.stringify(device)) return existing;
    // Kept before the write: a register that starts meanwhile (a device's meta, then the metrics
    // its readings name) builds on this description instead of overwriting it with the older one.
    this.devices.set(device.id, device);
    await this.writer.save(device);
    this.bus.emit('device', device);
    return device;
  }

  /**
   * Admits the metric names of a message: returns those the device may not add (new names past
   * its `maxMetrics`, counted in the order given). Admitted names count at once, before the
   * device record that lists them is written, so messages in quick succession cannot each fill
   * the same room.
   */
  admitMetrics(id: string, names: Iterable<string>, options: { allOrNone?: boolean } = {}): ReadonlySet<string> {
    const admitted = this.admittedOf(id);
    if (options.allOrNone) {
      // A description (meta) is taken whole or refused whole.
      const fresh = [...new Set(names)].filter((name) => !admitted.has(name));
      if (admitted.size + fresh.length > this.maxMetrics) return new Set(fresh.slice(this.maxMetrics - admitted.size));
    }
    let over: Set<string> | null = null;
    for (const name of names) over = this.admit(admitted, name, over);
    return over ?? NONE;
  }

  /** admitMetrics() for the metric names of a message's readings, in their order. */
  admitReadings(id: string, metrics: readonly string[]): ReadonlySet<string> {
    const admitted = this.admittedOf(id);
    // Called for every message: nothing is allocated unless a name is over the limit.
    let over: Set<string> | null = null;
    for (let i = 0; i < metrics.length; i++) over = this.admit(admitted, metrics[i]!, over);
    return over ?? NONE;
  }

  private admittedOf(id: string): Set<string> {
    let admitted = this.admitted.get(id);
    if (!admitted) this.admitted.set(id, (admitted = new Set(this.devices.get(id)?.metrics.map((m) => m.name))));
    return admitted;
  }

  private admit(admitted: Set<string>, name: string, over: Set<string> | null): Set<string> | null {
    if (admitted.has(name) || over?.has(name)) return over;
    if (admitted.size < this.maxMetrics) admitted.add(name);
    else (over ??= new Set()).add(name);
    return over;
  }

  /**
   * Adds to the device's description the names in `metrics` (a message's readings') it lacks. Runs for every
   * message, so the usual case (every name known) allocates nothing and answers null; a promise
   * only when there is something to write.
   */
  noteMetrics(id: string, metrics: readonly string[]): Promise<unknown> | null {
    const device = this.devices.get(id);
    if (!device) return null;
    const known = knownNames(device.metrics);
    let fresh: Set<string> | null = null;
    for (let i = 0; i < metrics.length; i++) {
      const name = metrics[i]!;
      if (!known.has(name)) (fresh ??= new Set()).add(name);
    }
    if (!fresh) return null;
    return this.register({ ...device, metrics: [...fresh].map((name) => ({ name })) });
  }

  /**
   * Forgets a removed device: ingest refuses it and listings drop it from now on. Its stream
   * ledger stays until what it had pending is written (the caller forgets it then), and its
   * store entry is the caller's to delete.
   */
  remove(id: string): Device | undefined {
    const device = this.devices.get(id);
    this.devices.delete(id);
    this.admitted.delete(id);
    this.storedSeen.delete(id);
    return device;
  }

  touch(id: string, ts: number): void {
    const device = this.devices.get(id);
    if (device && (device.lastSeen === null || ts > device.lastSeen)) device.lastSeen = ts;
  }

  setPresence(id: string, state: PresenceState): void {
    const device = this.devices.get(id);
    if (device) device.presence = state;
  }
}

/** The names of a metric list, kept per list: register replaces a device's list, never changes it. */
const namesOf = new WeakMap<MetricSpec[], ReadonlySet<string>>();

function knownNames(metrics: MetricSpec[]): ReadonlySet<string> {
  let names = namesOf.get(metrics);
  if (!names) namesOf.set(metrics, (names = new Set(metrics.map((m) => m.name))));
  return names;
}

function mergeMetrics(before: MetricSpec[], declared: MetricSpec[]): MetricSpec[] {
  const byName = new Map(before.map((m) => [m.name, m]));
  for (const m of declared) byName.set(m.name, { ...byName.get(m.name), ...(stripUndefined(m) as MetricSpec) });
  return [...byName.values()];
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
