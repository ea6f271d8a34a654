// Refusals for live clients: what the hub refused from a device (its latest refusal, with the
// code, the detail, when, and how many so far), so a dashboard can show a misbehaving device on
// its card. A noisy device can refuse thousands of messages a second; clients get at most one
// refusal event per device and interval, carrying the newest refusal and the running count, so
// nothing is lost from view but the history and the clients are not flooded. Refusals nobody
// can be named for (a connection that never logged in) are counted by the transports only.
import type { EventBus, HubEvents } from '../core/events.js';
import type { RefusalEventData } from './event-log.js';

export interface RefusalFeedOptions {
  /** Shortest time between two refusal events of one device. */
  intervalMs: number;
  /** Devices whose counts are kept; past this the longest known is forgotten, so memory stays bounded. */
  maxDevices: number;
}

interface DeviceRefusals {
  latest: RefusalEventData;
  sentAt: number;
}

export class RefusalFeed {
  private readonly devices = new Map<string, DeviceRefusals>();
  /** Devices with a refusal not yet sent, waiting for their interval to pass. */
  private readonly due = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly publish: (refusal: RefusalEventData) => void,
    private readonly options: RefusalFeedOptions = { intervalMs: 1_000, maxDevices: 10_000 },
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.unsubscribe = this.bus.on('refusal', (refusal) => this.note(refusal));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due.clear();
  }

  private note({ deviceId, source, code, detail }: HubEvents['refusal']): void {
    if (deviceId === null) return;
    const now = this.clock();
    const previous = this.devices.get(deviceId);
    const latest = { deviceId, source, code, detail, ts: now, count: (previous?.latest.count ?? 0) + 1 };
    const known = previous ?? this.remember(deviceId, latest);
    known.latest = latest;
    if (!this.due.has(deviceId) && now - known.sentAt >= this.options.intervalMs) {
      this.send(known, now);
      return;
    }
    this.due.add(deviceId);
    this.schedule();
  }

  private remember(deviceId: string, latest: RefusalEventData): DeviceRefusals {
    if (this.devices.size >= this.options.maxDevices) {
      const oldest = this.devices.keys().next().value as string;
      this.devices.delete(oldest);
      this.due.delete(oldest);
    }
    const known = { latest, sentAt: -Infinity };
    this.devices.set(deviceId, known);
    return known;
  }

  private send(known: DeviceRefusals, now: number): void {
    known.sentAt = now;
    this.publish(known.latest);
  }

  /** One timer for every waiting device; each is sent once its own interval has passed. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    const now = this.clock();
    for (const deviceId of [...this.due]) {
      const known = this.devices.get(deviceId);
      if (known && now - known.sentAt < this.options.intervalMs) continue;
      this.due.delete(deviceId);
      if (known) this.send(known, now);
    }
    if (this.due.size > 0) this.schedule();
  }
}
