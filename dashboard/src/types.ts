// The shapes the hub's API answers with (see README "API at a glance" and the live-push contract).

export type PresenceState = 'unknown' | 'online' | 'stale' | 'offline';
export type CommandState = 'queued' | 'sent' | 'acked' | 'failed' | 'expired';
export type Role = 'viewer' | 'operator' | 'admin';

export interface Actuator {
  name: string;
  type: 'led' | 'relay' | 'pwm' | 'servo';
}

export interface Device {
  id: string;
  name: string;
  transport: string;
  metrics: Array<{ name: string; unit?: string }>;
  actuators: Actuator[];
  firmware?: string;
  sampleIntervalMs?: number;
  presence: PresenceState;
  lastSeen: number | null;
  createdAt: number;
  /** Latest value per metric; kept current from the live stream. */
  latest?: Record<string, { ts: number; value: number }>;
}

export interface Point {
  ts: number;
  value: number;
}

export interface ReadingEvent {
  deviceId: string;
  readings: Array<{ metric: string; ts: number; value: number }>;
}

export interface PresenceEvent {
  deviceId: string;
  state: PresenceState;
  previous: PresenceState;
  ts: number;
  reason: string;
}

export interface Command {
  id: string;
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
  state: CommandState;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  error?: string;
}

export interface AggregatePoint {
  metric: string;
  ts: number;
  value: number;
  count: number;
}

export const FINAL_COMMAND_STATES: ReadonlySet<CommandState> = new Set(['acked', 'failed', 'expired']);
