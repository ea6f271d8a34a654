// The recent refusals of each device, kept in memory from the bus's `refusal` events, so the API
// can list what the hub refused from a device (newest first) and show each device's latest
// refusal without the live stream. Bounded twice: a few entries per device, and a number of
// devices past which the one refused longest ago is forgotten.
import type { EventBus, HubEvents } from './events.js';
import type { RefusalCode } from './refusals.js';
import type { Stage } from './stage.js';

export interface RefusalEntry {
  /** When the hub refused it (hub time, ms). */
  ts: number;
  code: RefusalCode;
  detail: string;
  /** The MQTT topic it came on, when there was one. */
  topic?: string;
  /** The transport or stage that refused it ("mqtt", "line", "ingest", ...). */
  source: string;
}

export interface LastRefusal extends RefusalEntry {
  /** The device's refusals since the hub started. */
  count: number;
}

export interface RefusalHistoryOptions {
  perDevice: number;
  maxDevices: number;
}

interface DeviceRefusals {
  /** Oldest first; the newest is the last. */
  entries: RefusalEntry[];
  count: number;
}

export class RefusalHistory implements Stage {
  readonly name = 'refusal-history';
  private readonly devices = new Map<string, DeviceRefusals>();
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly bus: EventBus,
    private readonly options: RefusalHistoryOptions = { perDevice: 100, maxDevices: 10_000 },
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = [
      this.bus.on('refusal', (refusal) => this.note(refusal)),
      this.bus.on('deviceRemoved', ({ id }) => this.devices.delete(id)),
    ];
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** The device's latest refusals, newest first. */
  of(deviceId: string, limit: number): RefusalEntry[] {
    const entries = this.devices.get(deviceId)?.entries ?? [];
    return entries.slice(-limit).reverse();
  }

  last(deviceId: string): LastRefusal | null {
    const known = this.devices.get(deviceId);
    const newest = known?.entries.at(-1);
    return known && newest ? { ...newest, count: known.count } : null;
  }

  private note({ deviceId, source, code, detail, topic }: HubEvents['refusal']): void {
    if (deviceId === null) return;
    let known = this.devices.get(deviceId);
    if (known) {
      // Map order is insertion order: moving the device to the end keeps the longest quiet one first.
      this.devices.delete(deviceId);
    } else {
      if (this.devices.size >= this.options.maxDevices) this.devices.delete(this.devices.keys().next().value as string);
      known = { entries: [], count: 0 };
    }
    this.devices.set(deviceId, known);
    known.entries.push({ ts: this.clock(), code, detail, ...(topic !== undefined && { topic }), source });
    if (known.entries.length > this.options.perDevice) known.entries.shift();
    known.count += 1;
  }
}
