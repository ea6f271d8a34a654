// What the page knows about devices: the REST list, kept current by the live stream. Views
// subscribe to changes; charts subscribe to the readings of one device and metric.
import type { Command, Device, PresenceEvent, ReadingEvent, RefusalEvent } from './types.js';

type PointListener = (ts: number, value: number) => void;

export class DeviceStore {
  private readonly devices = new Map<string, Device>();
  private readonly changeListeners = new Set<(deviceId: string | null) => void>();
  private readonly pointListeners = new Map<string, Set<PointListener>>();
  private readonly commandListeners = new Set<(command: Command) => void>();
  /** Each device's latest refusal; only the stream knows them, so a reload from REST keeps them. */
  private readonly refusals = new Map<string, RefusalEvent>();

  list(): Device[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): Device | undefined {
    return this.devices.get(id);
  }

  refusalOf(id: string): RefusalEvent | undefined {
    return this.refusals.get(id);
  }

  replaceAll(devices: Device[]): void {
    this.devices.clear();
    for (const d of devices) this.devices.set(d.id, { ...d, latest: { ...(d.latest ?? {}) } });
    this.changed(null);
  }

  /** Called for every change: a device id, or null when the whole list changed. */
  onChange(listener: (deviceId: string | null) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onPoint(deviceId: string, metric: string, listener: PointListener): () => void {
    const key = `${deviceId}\u0000${metric}`;
    let set = this.pointListeners.get(key);
    if (!set) this.pointListeners.set(key, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  onCommand(listener: (command: Command) => void): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  applyReading(event: ReadingEvent): void {
    const device = this.devices.get(event.deviceId);
    for (const r of event.readings) {
      if (device) {
        const latest = (device.latest ??= {});
        if (!latest[r.metric] || latest[r.metric].ts <= r.ts) latest[r.metric] = { ts: r.ts, value: r.value };
        device.lastSeen = Math.max(device.lastSeen ?? 0, r.ts);
      }
      const listeners = this.pointListeners.get(`${event.deviceId}\u0000${r.metric}`);
      if (listeners) for (const listener of listeners) listener(r.ts, r.value);
    }
    if (device) this.changed(device.id);
  }

  applyPresence(event: PresenceEvent): void {
    const device = this.devices.get(event.deviceId);
    if (!device) return;
    device.presence = event.state;
    this.changed(device.id);
  }

  applyDevice(device: Device): void {
    const known = this.devices.get(device.id);
    this.devices.set(device.id, { ...device, latest: { ...(known?.latest ?? {}), ...(device.latest ?? {}) } });
    // A new device or new metrics change which charts exist, not just what one row says.
    const sameMetrics = known && known.metrics.map((m) => m.name).join() === device.metrics.map((m) => m.name).join();
    this.changed(sameMetrics ? device.id : null);
  }

  applyRefusal(event: RefusalEvent): void {
    this.refusals.set(event.deviceId, event);
    this.changed(event.deviceId);
  }

  applyCommand(command: Command): void {
    for (const listener of this.commandListeners) listener(command);
  }

  private changed(deviceId: string | null): void {
    for (const listener of this.changeListeners) listener(deviceId);
  }
}
