// Which webhook deliveries of a stored alert are still owed: a firing, and a resolution that
// followed a firing, are delivered until one attempt succeeds or every attempt is spent. Read from
// the attempts stored on the alert, so a hub that stopped (or was killed) while a delivery was
// retrying resumes it at start and never repeats one that succeeded. A delivery whose POST reached
// the receiver but whose attempt was not stored before the hub died is sent again: receivers get
// at least one notification per transition, identified by the alert id and state.
import type { Alert, AlertState, AlertTransition } from '../../core/alerts/alert.js';

export interface OwedDelivery {
  state: AlertState;
  transition: AlertTransition;
  /** Attempts already made. */
  tried: number;
}

export function owedDeliveries(alert: Alert, maxAttempts: number): OwedDelivery[] {
  const owed: OwedDelivery[] = [];
  const firing = alert.transitions.find((x) => x.state === 'firing');
  if (!firing) return owed;
  const resolved = alert.transitions.find((x) => x.state === 'resolved' && x.at >= firing.at);
  for (const [state, transition] of [
    ['firing', firing],
    ['resolved', resolved],
  ] as const) {
    if (!transition) continue;
    const attempts = alert.deliveries.filter((d) => d.state === state);
    if (attempts.some((d) => d.ok) || attempts.length >= maxAttempts) continue;
    owed.push({ state, transition, tried: attempts.length });
  }
  return owed;
}
