// The life of an alert whose rule compares a figure taken at reading time (threshold, increase,
// rate): the first breach opens it pending, a breach that has lasted the rule's duration in
// reading time fires it, a further breach updates its values and the first reading that does not
// breach resolves it.
import type { Alert } from './alert.js';
import type { AlertBook } from './alert-book.js';
import type { AlertRule } from './rules.js';

export function judgeBreach(
  book: AlertBook,
  rule: AlertRule,
  deviceId: string,
  judgement: { breached: boolean; at: number; values: Alert['values'] },
): void {
  const { breached, at, values } = judgement;
  const alert = book.activeFor(rule.id, deviceId);
  if (!breached) {
    if (alert) book.move(alert, 'resolved', at, values);
    return;
  }
  const current = alert ?? book.open(rule, deviceId, at, values);
  if (current.state === 'pending' && at - current.since >= rule.durationMs) {
    book.move(current, 'firing', at, values);
  } else if (current === alert) {
    book.update(current, values);
  }
  // otherwise just opened: its pending transition holds these values
}
