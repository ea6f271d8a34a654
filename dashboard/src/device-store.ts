// What the page knows about devices: the REST list, kept current by the live stream. Views
// subscribe to changes; charts subscribe to the readings of one device and metric. While the
// stream is not live the store says since when, so views grey out what may have changed since.
import type { Command, Device, PresenceEvent, ReadingEvent, RefusalEvent, StoredRefusal } from './types.js';

type PointListener = (ts: number, value: number) => void;

/** A refusal as the page shows it: from the stream (with a running count) or from REST. */
export type ShownRefusal = StoredRefusal & { count?: number };

/** An output's state as last known: from an acked command or the device's reading of that name. */
export interface ActuatorState {
  value: boolean | number;
  ts: number;
  source: 'command' | 'reading';
}

const REFUSALS_KEPT = 50;
const COMMANDS_KEPT = 8;

export class DeviceStore {
  private readonly devices = new Map<string, Device>();
  private readonly changeListeners = new Set<(deviceId: string | null) => void>();
  private readonly pointListeners = new Map<string, Set<PointListener>>();
  private readonly commandListeners = new Set<(command: Command) => void>();
  /** Each device's refusals seen on the stream, newest first; a reload from REST keeps them. */
  private readonly refusals = new Map<string, ShownRefusal[]>();
  private readonly commands = new Map<string, Map<string, Command>>();
  private readonly acked = new Map<string, Map<string, ActuatorState>>();
  /** When the live stream stopped being live; null while it is live. */
  streamDownSince: number | null = Date.now();
  loaded = false;

  list(): Device[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): Device | undefined {
    return this.devices.get(id);
  }

  refusalOf(id: string): ShownRefusal | undefined {
    return this.refusals.get(id)?.[0] ?? this.devices.get(id)?.lastRefusal ?? undefined;
  }

  /** The device's refusals seen on the stream since the page opened, newest first. */
  refusalsOf(id: string): ShownRefusal[] {
    return this.refusals.get(id) ?? [];
  }

  /** The device's commands seen since the page opened, oldest first. */
  commandsOf(id: string): Command[] {
    return [...(this.commands.get(id)?.values() ?? [])];
  }

  actuatorState(deviceId: string, name: string): ActuatorState | undefined {
    const command = this.acked.get(deviceId)?.get(name);
    const reading = this.devices.get(deviceId)?.latest?.[name];
    if (reading && (!command || reading.ts > command.ts)) return { value: reading.value, ts: reading.ts, source: 'reading' };
    return command;
  }

  replaceAll(devices: Device[]): void {
    this.devices.clear();
    for (const d of devices) this.devices.set(d.id, { ...d, latest: { ...(d.latest ?? {}) } });
    this.loaded = true;
    this.changed(null);
  }

  setStreamLive(live: boolean): void {
    const since = live ? null : (this.streamDownSince ?? Date.now());
    if (since === this.streamDownSince) return;
    this.streamDownSince = since;
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

  remove(id: string): void {
    if (!this.devices.delete(id)) return;
    this.refusals.delete(id);
    this.commands.delete(id);
    this.acked.delete(id);
    this.changed(null);
  }

  applyRefusal(event: RefusalEvent): void {
    const list = this.refusals.get(event.deviceId) ?? [];
    list.unshift(event);
    list.length = Math.min(list.length, REFUSALS_KEPT);
    this.refusals.set(event.deviceId, list);
    this.changed(event.deviceId);
  }

  /** A command state from the stream or the control channel; the newest state of each is kept. */
  applyCommand(command: Command): void {
    let recent = this.commands.get(command.deviceId);
    if (!recent) this.commands.set(command.deviceId, (recent = new Map()));
    const known = recent.get(command.id);
    if (known && known.updatedAt > command.updatedAt) return;
    recent.delete(command.id);
    recent.set(command.id, command);
    while (recent.size > COMMANDS_KEPT) recent.delete(recent.keys().next().value!);
    if (command.state === 'acked' && command.action === 'set') this.rememberOutputs(command);
    for (const listener of this.commandListeners) listener(command);
  }

  private rememberOutputs(command: Command): void {
    let outputs = this.acked.get(command.deviceId);
    if (!outputs) this.acked.set(command.deviceId, (outputs = new Map()));
    for (const [name, value] of Object.entries(command.params)) {
      if (typeof value === 'boolean' || typeof value === 'number') outputs.set(name, { value, ts: command.updatedAt, source: 'command' });
    }
    this.changed(command.deviceId);
  }

  private changed(deviceId: string | null): void {
    for (const listener of this.changeListeners) listener(deviceId);
  }
}
