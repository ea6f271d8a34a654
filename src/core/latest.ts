// The latest value of every (device, metric), kept from the bus so device listings can show
// current figures without a store query.
import type { EventBus } from './events.js';
import type { Stage } from './stage.js';

export type LatestValues = Record<string, { ts: number; value: number }>;

export class LatestReadings implements Stage {
  readonly name = 'latest';
  private readonly byDevice = new Map<string, LatestValues>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly bus: EventBus) {}

  async start(): Promise<void> {
    this.unsubscribe = this.bus.on('readings', ({ deviceId, readings }) => {
      let latest = this.byDevice.get(deviceId);
      if (!latest) this.byDevice.set(deviceId, (latest = {}));
      for (const r of readings) {
        const known = latest[r.metric];
        if (!known || r.ts >= known.ts) latest[r.metric] = { ts: r.ts, value: r.value };
      }
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
  }

  of(deviceId: string): LatestValues {
    return this.byDevice.get(deviceId) ?? {};
  }
}
