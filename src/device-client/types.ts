// What a DeviceClient is given and what it reports (client.ts re-exports all of it).
import type { IClientOptions } from 'mqtt';
import type { CommandHandler, DeviceCommand } from './commands.js';

export interface DeviceMetaBody {
  name?: string;
  firmware?: string;
  sampleIntervalMs?: number;
  metrics?: Array<{ name: string; unit?: string }>;
  actuators?: Array<{ name: string; type: 'led' | 'relay' | 'pwm' | 'servo' }>;
}

export interface DeviceClientOptions {
  /** mqtt://, mqtts:// or ws:// URL of the hub's broker. */
  url: string;
  deviceId: string;
  /** The device key from provisioning; without it the client connects anonymously. */
  key?: string;
  meta?: DeviceMetaBody;
  /**
   * File that keeps unacked messages across restarts; memory only when absent. The answered
   * command ids are kept next to it, in `${queueFile}.commands`.
   */
  queueFile?: string;
  onCommand?: CommandHandler;
  keepaliveSeconds?: number;
  reconnectDelayMs?: number;
  /** Extra mqtt.js options (TLS `ca`, `rejectUnauthorized`, WebSocket options). */
  mqtt?: Partial<IClientOptions>;
}

/**
 * A refusal: the hub's body from `devices/{id}/error`, or one made by the client itself for a
 * message larger than the hub takes (`local: true`, code `too_large`, the message is dropped).
 */
export interface Refusal {
  code?: string;
  reason: string;
  topic?: string;
  seq?: number;
  resend?: boolean;
  local?: true;
}

export interface DeviceClientEvents {
  ack: [h: number | null];
  refused: [body: Refusal];
  /** Every delivery of a command, redeliveries included (each id is still applied once). */
  command: [command: DeviceCommand];
  connected: [];
  disconnected: [];
  /** A connection attempt or connection failed (refused login, unreachable hub); the client retries unless stopped. */
  failure: [err: Error];
}
