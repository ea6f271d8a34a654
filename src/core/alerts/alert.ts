// An alert: one rule's condition on one device, from the first sign (pending) through firing to
// resolved. Every transition is kept with its time and the values that caused it, and every
// webhook delivery attempt beside them, so the API shows what happened and when.
export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface AlertTransition {
  state: AlertState | 'acknowledged';
  /** When it happened: reading time for threshold rules, hub time for the others. */
  at: number;
  values: Record<string, number | string>;
}

export interface DeliveryAttempt {
  state: AlertState;
  attempt: number;
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface Alert {
  id: string;
  ruleId: string;
  deviceId: string;
  state: AlertState;
  /** When the condition began to hold (pending's time); durations are measured from here. */
  since: number;
  updatedAt: number;
  /** The latest values that kept the condition true. */
  values: Record<string, number | string>;
  acknowledged: { at: number; by: string } | null;
  transitions: AlertTransition[];
  deliveries: DeliveryAttempt[];
}

/** Most transitions and deliveries one alert keeps (the newest), so a flapping one stays small. */
export const ALERT_HISTORY_LIMIT = 100;

export function isActive(alert: Alert): boolean {
  return alert.state !== 'resolved';
}

/** Moves an alert to `state`, recording the transition; returns the same object. */
export function transition(alert: Alert, state: AlertState, at: number, values: Alert['values']): Alert {
  alert.state = state;
  alert.updatedAt = at;
  alert.values = values;
  alert.transitions.push({ state, at, values });
  if (alert.transitions.length > ALERT_HISTORY_LIMIT) alert.transitions.splice(0, alert.transitions.length - ALERT_HISTORY_LIMIT);
  return alert;
}

export function newAlert(id: string, ruleId: string, deviceId: string, since: number, values: Alert['values']): Alert {
  return {
    id,
    ruleId,
    deviceId,
    state: 'pending',
    since,
    updatedAt: since,
    values,
    acknowledged: null,
    transitions: [{ state: 'pending', at: since, values }],
    deliveries: [],
  };
}
