// Which device each MQTT connection belongs to, and what that means for presence and commands.
// A device may hold more than one connection (its firmware and, say, a mosquitto_pub from a
// shell): it is online, and its commands are published to it, while at least one is open; it
// goes offline when the last one closes, with the reason the broker saw (clean disconnect,
// keepalive timeout, last will, socket error), and its commands wait for it to come back.
import type { Client } from 'aedes';
import type { CommandSink } from '../../core/commands.js';
import type { TransportContext } from '../context.js';

export class Connections {
  private readonly deviceOf = new WeakMap<Client, string>();
  private readonly byDevice = new Map<string, Set<Client>>();
  /** The open connection behind each MQTT client id (a newer one with the same id takes over). */
  private readonly byClientId = new Map<string, Client>();
  private readonly closeReason = new WeakMap<Client, string>();
  private readonly suspended = new WeakSet<Client>();
  /** The one connection per device whose telemetry the hub takes (docs/protocol.md, "One writer per stream"). */
  private readonly streamHolder = new Map<string, Client>();
  private readonly detachCommands = new Map<string, () => void>();

  constructor(
    private readonly presence: TransportContext['presence'],
    private readonly commands: Pick<TransportContext['commands'], 'attach'>,
    /** Publishes a command to its device's `cmd` topic. */
    private readonly commandSink: CommandSink,
  ) {}

  /** Called once authentication has settled who the client is. */
  identify(client: Client, deviceId: string): void {
    this.deviceOf.set(client, deviceId);
  }

  deviceId(client: Client | null): string | undefined {
    return client ? this.deviceOf.get(client) : undefined;
  }

  /** The device whose open connection uses this MQTT client id, if any. */
  holderOf(clientId: string): string | undefined {
    const client = this.byClientId.get(clientId);
    return client ? this.deviceOf.get(client) : undefined;
  }

  /** The devices with at least one open connection. */
  get devices(): string[] {
    return [...this.byDevice.keys()];
  }

  get deviceCount(): number {
    return this.byDevice.size;
  }

  ready(client: Client): void {
    const deviceId = this.deviceOf.get(client);
    if (!deviceId) return;
    let set = this.byDevice.get(deviceId);
    if (!set) this.byDevice.set(deviceId, (set = new Set()));
    set.add(client);
    this.byClientId.set(client.id, client);
    if (client.id === deviceId) this.streamHolder.set(deviceId, client);
    if (set.size === 1) this.attachCommands(deviceId);
    this.presence.online(deviceId, set.size === 1 ? 'connected' : 'another connection opened');
  }

  /**
   * May this connection publish the device's telemetry? One connection holds a device's stream:
   * the device's own (client id = device id; MQTT lets only one such be open), or else the first
   * other connection that publishes while none holds it. Two writers would interleave two seq
   * sequences, and a stray one could declare the real device's messages lost.
   */
  mayWrite(client: Client, deviceId: string): boolean {
    const holder = this.streamHolder.get(deviceId);
    if (holder === client) return true;
    const open = holder !== undefined && this.byDevice.get(deviceId)?.has(holder) === true;
    if (open && holder.id === deviceId) return false;
    if (open && client.id !== deviceId) return false;
    this.streamHolder.set(deviceId, client);
    return true;
  }

  /** The device's open connections (to close them when it is removed or gets a new key). */
  clientsOf(deviceId: string): Client[] {
    return [...(this.byDevice.get(deviceId) ?? [])];
  }

  /** Stops taking telemetry from this connection (it is being closed after a refusal). */
  suspend(client: Client): void {
    this.suspended.add(client);
    this.noteCloseReason(client, 'closed by the hub to push back; the device resends');
  }

  isSuspended(client: Client): boolean {
    return this.suspended.has(client);
  }

  /** Remembers why a connection is about to close; the first reason noted wins. */
  noteCloseReason(client: Client, reason: string): void {
    if (!this.closeReason.has(client)) this.closeReason.set(client, reason);
  }

  disconnected(client: Client): void {
    if (this.byClientId.get(client.id) === client) this.byClientId.delete(client.id);
    const deviceId = this.deviceOf.get(client);
    if (deviceId && this.streamHolder.get(deviceId) === client) this.streamHolder.delete(deviceId);
    const set = deviceId ? this.byDevice.get(deviceId) : undefined;
    if (!deviceId || !set?.delete(client)) return;
    if (set.size > 0) return;
    this.byDevice.delete(deviceId);
    this.detachCommands.get(deviceId)?.();
    this.detachCommands.delete(deviceId);
    this.presence.offline(deviceId, this.closeReason.get(client) ?? 'disconnected');
  }

  private attachCommands(deviceId: string): void {
    // Null when a serial session serves a device of the same id; its commands stay with that one.
    const detach = this.commands.attach(deviceId, this.commandSink);
    if (detach) this.detachCommands.set(deviceId, detach);
  }
}
