// The registry of known devices: loaded from the store at start, kept in memory, written back
// whenever a description changes. Transports register devices; ingest refuses unknown ones.
import type { EventBus } from './events.js';
import type { Device, MetricSpec, PresenceState } from './model.js';
import type { Store } from './store.js';
import type { Stage } from './stage.js';
import type { StreamLedger } from './streams.js';

export type DeviceDescription = Pick<Device, 'id' | 'name' | 'transport'> &
  Partial<Pick<Device, 'metrics' | 'actuators' | 'firmware' | 'sampleIntervalMs' | 'dialect'>>;

export class DeviceRegistry implements Stage {
  readonly name = 'registry';
  private readonly devices = new Map<string, Device>();

  constructor(
    private readonly store: Pick<Store, 'loadDevices' | 'saveDevice'>,
    private readonly streams: StreamLedger,
    private readonly bus: EventBus,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Loads the known devices and restores their stream heads, before anything may register or submit. */
  async start(): Promise<void> {
    for (const stored of await this.store.loadDevices()) {
      const { streamH, ...device } = stored;
      // Presence is a live fact: after a restart nothing is known until the device speaks.
      this.devices.set(device.id, { ...device, presence: 'unknown' });
      this.streams.restore(device.id, streamH);
    }
  }

  /** Nothing to release: every change was written through when it was made. */
  async stop(): Promise<void> {}

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
    // Set before the write: a description registered while this one is being written (a dialect's
    // meta and the metrics its readings name, from one publish) builds on it instead of on the old one.
    this.devices.set(device.id, device);
    await this.store.saveDevice(device);
    this.bus.emit('device', device);
    return device;
  }

  /** Adds metrics a device reports without having declared them, so listings show them. */
  async noteMetrics(id: string, names: Iterable<string>): Promise<void> {
    const device = this.devices.get(id);
    if (!device) return;
    const known = new Set(device.metrics.map((m) => m.name));
    const fresh = [...new Set(names)].filter((n) => !known.has(n));
    if (fresh.length === 0) return;
    await this.register({ ...device, metrics: fresh.map((name) => ({ name })) });
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

function mergeMetrics(before: MetricSpec[], declared: MetricSpec[]): MetricSpec[] {
  const byName = new Map(before.map((m) => [m.name, m]));
  for (const m of declared) byName.set(m.name, { ...byName.get(m.name), ...(stripUndefined(m) as MetricSpec) });
  return [...byName.values()];
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
