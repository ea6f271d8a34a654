// The shapes the hub's API answers with (see README "API at a glance" and the live-push contract).

// The hub's own model types, so the dashboard cannot drift from what the API sends (type-only
// imports, erased from the bundle), and the hub's rule for final command states.
import type { Device as HubDevice } from '../../src/core/model.js';

export type {
  ActuatorSpec as Actuator,
  Command,
  CommandState,
  PresenceChange as PresenceEvent,
  PresenceState,
} from '../../src/core/model.js';
export type { AggregatePoint } from '../../src/core/store.js';
export { isFinal } from '../../src/core/model.js';
/** A device's latest refusal as the live stream sends it: code, detail, when and how many so far. */
export type { RefusalEventData as RefusalEvent } from '../../src/live/event-log.js';
/** An alert's transition as the live stream sends it, and an alert as GET /api/alerts lists it. */
export type { AlertEventData as AlertEvent } from '../../src/live/event-log.js';
export type { Alert } from '../../src/core/alerts/alert.js';

export type Role = 'viewer' | 'operator' | 'admin';

/** A device as GET /api/devices answers it. */
export interface Device extends Omit<HubDevice, 'transport'> {
  /** Kept as a string: the dashboard shows transports it does not know by name. */
  transport: string;
  /** Latest value per metric; kept current from the live stream. */
  latest?: Record<string, { ts: number; value: number }>;
  /** What the hub last refused from the device, where the hub reports it in its device lists. */
  lastRefusal?: StoredRefusal | null;
}

/** A refusal as GET /api/devices/:id/refusals lists it. */
export interface StoredRefusal {
  ts: number;
  code: string;
  detail: string;
  topic?: string;
  source: string;
}

/** A presence change as GET /api/devices/:id lists it. */
export interface PresenceHistoryEntry {
  state: HubDevice['presence'];
  previous: HubDevice['presence'];
  ts: number;
  reason: string;
}

export interface Point {
  ts: number;
  value: number;
}

export interface ReadingEvent {
  deviceId: string;
  readings: Array<{ metric: string; ts: number; value: number }>;
}
