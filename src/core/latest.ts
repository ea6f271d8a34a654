// The latest value of every (device, metric), kept from the bus so device listings can show
// current figures without a store query. At start it is seeded from the store's newest readings,
// so a restarted hub shows what its devices last reported, not nothing until they report again.
import type { EventBus } from './events.js';
import type { Reading } from './model.js';
import type { Stage } from './stage.js';
import type { Store } from './store.js';

export type LatestValues = Record<string, { ts: number; value: number }>;

export class LatestReadings implements Stage {
  readonly name = 'latest';
  private readonly byDevice = new Map<string, LatestValues>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly store?: Pick<Store, 'latestReadings'>,
  ) {}

  async start(): Promise<void> {
    // Subscribed first: readings that become durable while the store is read are kept too (the
    // newer time wins either way).
    const offReadings = this.bus.on('readings', ({ deviceId, readings }) => this.note(deviceId, readings));
    const offRemoved = this.bus.on('deviceRemoved', ({ id }) => this.byDevice.delete(id));
    this.unsubscribe = () => {
      offReadings();
      offRemoved();
    };
    for (const r of (await this.store?.latestReadings()) ?? []) this.note(r.deviceId, [r]);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
  }

  private note(deviceId: string, readings: Iterable<Pick<Reading, 'metric' | 'ts' | 'value'>>): void {
    let latest = this.byDevice.get(deviceId);
    if (!latest) this.byDevice.set(deviceId, (latest = {}));
    for (const r of readings) {
      const known = latest[r.metric];
      if (!known || r.ts >= known.ts) latest[r.metric] = { ts: r.ts, value: r.value };
    }
  }

  of(deviceId: string): LatestValues {
    return this.byDevice.get(deviceId) ?? {};
  }
}
