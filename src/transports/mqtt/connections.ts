// Which device each MQTT connection belongs to, and what that means for presence. A device may
// hold more than one connection (its firmware and, say, a mosquitto_pub from a shell): it is
// online while at least one is open and goes offline when the last one closes, with the
// reason the broker saw (clean disconnect, keepalive timeout, last will, socket error).
import type { Client } from 'aedes';
import type { TransportContext } from '../context.js';

export class Connections {
  private readonly deviceOf = new WeakMap<Client, string>();
  private readonly byDevice = new Map<string, Set<Client>>();
  /** The open connection behind each MQTT client id (a newer one with the same id takes over). */
  private readonly byClientId = new Map<string, Client>();
  private readonly closeReason = new WeakMap<Client, string>();
  private readonly suspended = new WeakSet<Client>();

  constructor(private readonly presence: TransportContext['presence']) {}

  /** Called once authentication has settled who the client is. */
  identify(client: Client, deviceId: string): void {
    this.deviceOf.set(client, deviceId);
  }

  deviceId(client: Client | null): string | undefined {
    return client ? this.deviceOf.get(client) : undefined;
  }

  isConnected(deviceId: string): boolean {
    return (this.byDevice.get(deviceId)?.size ?? 0) > 0;
  }

  /** The device whose open connection uses this MQTT client id, if any. */
  holderOf(clientId: string): string | undefined {
    const client = this.byClientId.get(clientId);
    return client ? this.deviceOf.get(client) : undefined;
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
    this.presence.online(deviceId, set.size === 1 ? 'connected' : 'another connection opened');
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
    const set = deviceId ? this.byDevice.get(deviceId) : undefined;
    if (!deviceId || !set?.delete(client)) return;
    if (set.size > 0) return;
    this.byDevice.delete(deviceId);
    this.presence.offline(deviceId, this.closeReason.get(client) ?? 'disconnected');
  }
}
