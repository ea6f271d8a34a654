// The alerts: records of kind `alert`, one active (pending or firing) per rule and device. A
// transition is written before it is announced on the bus, so what a webhook or a live client
// hears is already durable: a hub killed after announcing comes back knowing it, and does not
// announce it again. Value updates between transitions are written coalesced, one write in
// flight per alert.
import { randomUUID } from 'node:crypto';
import type { EventBus, HubEvents } from '../events.js';
import type { HubLogger } from '../logger.js';
import type { Store } from '../store.js';
import { ALERT_HISTORY_LIMIT, isActive, newAlert, transition, type Alert, type AlertState, type DeliveryAttempt } from './alert.js';
import type { AlertRule } from './rules.js';

export const ALERT_RECORD = 'alert';

export class AlertBook {
  /** Active alerts by rule and device, and alerts whose last write is still in flight. */
  private readonly active = new Map<string, Alert>();
  private readonly byId = new Map<string, Alert>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly edits = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      store: Pick<Store, 'putRecord' | 'getRecord' | 'listRecords' | 'deleteRecord'>;
      bus: EventBus;
      log: HubLogger;
      rule: (id: string) => AlertRule | undefined;
    },
  ) {}

  async load(): Promise<void> {
    for (const { doc } of await this.deps.store.listRecords(ALERT_RECORD)) {
      const alert = doc as unknown as Alert;
      if (!isActive(alert)) continue;
      this.active.set(key(alert.ruleId, alert.deviceId), alert);
      this.byId.set(alert.id, alert);
    }
  }

  /** Waits for the writes in flight (at stop); a failed one is already logged. */
  async settle(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()]);
  }

  activeFor(ruleId: string, deviceId: string): Alert | undefined {
    return this.active.get(key(ruleId, deviceId));
  }

  activeAlerts(): Alert[] {
    return [...this.active.values()];
  }

  /** A new pending alert: the condition holds from `since` on. */
  open(rule: AlertRule, deviceId: string, since: number, values: Alert['values']): Alert {
    const alert = newAlert(randomUUID(), rule.id, deviceId, since, values);
    this.active.set(key(rule.id, deviceId), alert);
    this.byId.set(alert.id, alert);
    this.announce(alert, 'pending', null);
    return alert;
  }

  move(alert: Alert, state: AlertState, at: number, values: Alert['values']): void {
    const previous = alert.state;
    transition(alert, state, at, values);
    if (state === 'resolved') this.active.delete(key(alert.ruleId, alert.deviceId));
    this.announce(alert, state, previous);
  }

  /** A further breach of an active alert: new values, no transition. */
  update(alert: Alert, values: Alert['values']): void {
    alert.values = values;
    this.write(alert).catch(() => {}); // logged by write
  }

  /** Undefined when there is no such alert. */
  acknowledge(id: string, by: string, at: number): Promise<Alert | undefined> {
    return this.edit(id, (alert) => {
      alert.acknowledged = { at, by };
      alert.transitions.push({ state: 'acknowledged', at, values: { by } });
    }).then((alert) => {
      if (alert) this.emit(alert, 'acknowledged', alert.state);
      return alert;
    });
  }

  async recordDelivery(id: string, attempt: DeliveryAttempt): Promise<void> {
    await this.edit(id, (alert) => {
      alert.deliveries.push(attempt);
      if (alert.deliveries.length > ALERT_HISTORY_LIMIT) alert.deliveries.splice(0, alert.deliveries.length - ALERT_HISTORY_LIMIT);
    });
  }

  /**
   * Changes an alert outside the evaluator (acknowledgements, deliveries) and writes it. Edits of
   * one alert run one after another: a resolved alert is read back from the store, and two edits
   * reading it at once would each lose the other's change.
   */
  private edit(id: string, change: (alert: Alert) => void): Promise<Alert | undefined> {
    const run = (this.edits.get(id) ?? Promise.resolve()).then(async () => {
      const alert = await this.get(id);
      if (!alert) return undefined;
      change(alert);
      this.byId.set(id, alert);
      await this.write(alert);
      return alert;
    });
    const tail = run.then(
      () => {},
      () => {},
    );
    this.edits.set(id, tail);
    void tail.then(() => {
      if (this.edits.get(id) === tail) this.edits.delete(id);
    });
    return run;
  }

  async get(id: string): Promise<Alert | undefined> {
    const known = this.byId.get(id);
    if (known) return known;
    const doc = await this.deps.store.getRecord(ALERT_RECORD, id);
    return doc ? (doc as unknown as Alert) : undefined;
  }

  /**
   * Deletes resolved alerts whose last transition is before `before`; one with a write or an edit
   * in flight is left for the next time. Returns how many went.
   */
  async prune(before: number): Promise<number> {
    let deleted = 0;
    for (const { id, doc } of await this.deps.store.listRecords(ALERT_RECORD)) {
      const alert = doc as unknown as Alert;
      if (isActive(alert) || alert.updatedAt >= before || this.byId.has(id) || this.edits.has(id)) continue;
      if (await this.deps.store.deleteRecord(ALERT_RECORD, id)) deleted++;
    }
    return deleted;
  }

  /** Every stored alert (newest change first), the ones in memory as they are now. */
  async list(state?: AlertState): Promise<Alert[]> {
    const all = new Map<string, Alert>();
    for (const { id, doc } of await this.deps.store.listRecords(ALERT_RECORD)) all.set(id, doc as unknown as Alert);
    for (const [id, alert] of this.byId) all.set(id, alert);
    return [...all.values()].filter((a) => state === undefined || a.state === state).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /**
   * Emits the alert as this transition left it, once the write that holds the transition is
   * done: later readings may change its values meanwhile, and a webhook must carry these.
   */
  private announce(alert: Alert, state: AlertState, previous: AlertState | null): void {
    const event = this.event(alert, state, previous);
    this.write(alert).then(
      () => this.deps.bus.emit('alert', event),
      () => {}, // logged by write
    );
  }

  private emit(alert: Alert, state: AlertState | 'acknowledged', previous: AlertState | null): void {
    this.deps.bus.emit('alert', this.event(alert, state, previous));
  }

  private event(alert: Alert, state: AlertState | 'acknowledged', previous: AlertState | null): HubEvents['alert'] {
    return { alert: structuredClone(alert), rule: this.deps.rule(alert.ruleId) ?? null, transition: state, previous };
  }

  /** Writes the alert as it is now; a write asked for while one is in flight runs once after it. */
  private write(alert: Alert): Promise<void> {
    const inFlight = this.writing.get(alert.id);
    if (inFlight) {
      this.dirty.add(alert.id);
      return inFlight;
    }
    const run = (async () => {
      do {
        this.dirty.delete(alert.id);
        await this.deps.store.putRecord(ALERT_RECORD, alert.id, structuredClone(alert) as unknown as Record<string, unknown>);
      } while (this.dirty.has(alert.id));
    })()
      .catch((err: unknown) => {
        this.deps.log.error({ err, alert: alert.id }, 'could not store alert');
        throw err;
      })
      .finally(() => {
        this.writing.delete(alert.id);
        if (!isActive(alert)) this.byId.delete(alert.id);
      });
    this.writing.set(alert.id, run);
    return run;
  }
}

function key(ruleId: string, deviceId: string): string {
  return `${ruleId}\u0000${deviceId}`;
}
