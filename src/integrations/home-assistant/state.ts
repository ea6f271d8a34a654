// The latest value of each metric per device, and when to publish them. A device's state goes
// out at once when its last publish is at least `intervalMs` old; readings arriving sooner are
// folded in and go out together when the interval is over, so a device sending 10,000 readings
// a second costs one publish per interval, and the last value is never held back.
import type { Reading } from '../../core/model.js';

export type DeviceValues = Record<string, number>;

export class StateCoalescer {
  private readonly latest = new Map<string, Map<string, { ts: number; value: number }>>();
  private readonly lastSent = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (deviceId: string, values: DeviceValues) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes a message's readings; an older reading than the one held does not replace it. */
  note(deviceId: string, readings: Reading[]): void {
    let values = this.latest.get(deviceId);
    if (!values) this.latest.set(deviceId, (values = new Map()));
    for (const r of readings) {
      const held = values.get(r.metric);
      if (!held || r.ts >= held.ts) values.set(r.metric, { ts: r.ts, value: r.value });
    }
    this.schedule(deviceId);
  }

  values(deviceId: string): DeviceValues {
    const values = this.latest.get(deviceId);
    return values ? Object.fromEntries([...values].map(([metric, { value }]) => [metric, value])) : {};
  }

  devices(): string[] {
    return [...this.latest.keys()];
  }

  /** Publishes every device's state now (after a reconnect), restarting their intervals. */
  flushAll(): void {
    for (const deviceId of this.latest.keys()) this.send(deviceId);
  }

  forget(deviceId: string): void {
    this.latest.delete(deviceId);
    this.lastSent.delete(deviceId);
    const timer = this.timers.get(deviceId);
    if (timer) clearTimeout(timer);
    this.timers.delete(deviceId);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(deviceId: string): void {
    if (this.timers.has(deviceId)) return;
    const wait = (this.lastSent.get(deviceId) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.clock();
    if (wait <= 0) {
      this.send(deviceId);
      return;
    }
    const timer = setTimeout(() => this.send(deviceId), wait);
    timer.unref();
    this.timers.set(deviceId, timer);
  }

  private send(deviceId: string): void {
    const timer = this.timers.get(deviceId);
    if (timer) clearTimeout(timer);
    this.timers.delete(deviceId);
    this.lastSent.set(deviceId, this.clock());
    this.flush(deviceId, this.values(deviceId));
  }
}
