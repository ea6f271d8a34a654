// The alerts stage: the rules, the alerts and the evaluator behind one start/stop, and what the
// API does with them (rule changes, acknowledgements). Removing a rule, or a device, resolves
// their alerts; narrowing a rule's scope resolves the alerts of the devices it left.
import type { EventBus } from '../events.js';
import type { HubLogger } from '../logger.js';
import type { Device } from '../model.js';
import type { Stage } from '../stage.js';
import type { Store } from '../store.js';
import type { Alert, DeliveryAttempt } from './alert.js';
import { AlertBook } from './alert-book.js';
import { AlertEvaluator } from './evaluator.js';
import { RuleBook } from './rule-book.js';
import { devicesInScope, type AlertRule, type RuleInput } from './rules.js';

export interface AlertServiceOptions {
  /** Most devices one rule's scope may match. */
  maxDevices: number;
  /** How often absence and presence rules are checked. */
  checkIntervalMs: number;
}

export class AlertService implements Stage {
  readonly name = 'alerts';
  readonly rules: RuleBook;
  readonly alerts: AlertBook;
  private readonly evaluator: AlertEvaluator;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      bus: EventBus;
      devices: { get(id: string): Device | undefined; list(): Device[] };
      log: HubLogger;
      clock?: () => number;
    },
    options: AlertServiceOptions,
  ) {
    this.rules = new RuleBook(deps, { maxDevices: options.maxDevices });
    this.alerts = new AlertBook({ store: deps.store, bus: deps.bus, log: deps.log, rule: (id) => this.rules.get(id) });
    this.evaluator = new AlertEvaluator({ ...deps, rules: this.rules, book: this.alerts }, { checkIntervalMs: options.checkIntervalMs });
  }

  async start(): Promise<void> {
    await this.rules.load();
    await this.alerts.load();
    this.evaluator.start();
    this.unsubscribe = this.deps.bus.on('deviceRemoved', ({ id }) => this.resolveWhere((alert) => alert.deviceId === id, 'device removed'));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.evaluator.stop();
    await this.alerts.settle();
  }

  createRule(input: RuleInput): Promise<AlertRule> {
    return this.rules.create(input);
  }

  /** A device the new definition no longer watches has its active alert resolved. */
  async replaceRule(id: string, input: RuleInput): Promise<AlertRule | undefined> {
    const rule = await this.rules.replace(id, input);
    if (!rule) return undefined;
    const watched = new Set(devicesInScope(rule, this.deps.devices.list()).map((d) => d.id));
    this.resolveWhere((alert) => alert.ruleId === id && !watched.has(alert.deviceId), 'rule changed');
    return rule;
  }

  async removeRule(id: string): Promise<boolean> {
    const removed = await this.rules.remove(id);
    this.resolveWhere((alert) => alert.ruleId === id, 'rule removed');
    return removed;
  }

  private resolveWhere(match: (alert: Alert) => boolean, reason: string): void {
    for (const alert of this.alerts.activeAlerts()) {
      if (match(alert)) this.alerts.move(alert, 'resolved', this.now(), { reason });
    }
  }

  acknowledge(id: string, by: string): Promise<Alert | undefined> {
    return this.alerts.acknowledge(id, by, this.now());
  }

  recordDelivery(id: string, attempt: DeliveryAttempt): Promise<void> {
    return this.alerts.recordDelivery(id, attempt);
  }

  /** Runs the clock's checks now (absence, presence durations); the interval does it otherwise. */
  check(): void {
    this.evaluator.check();
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
