// The alerts stage: the rules, the alerts and the evaluator behind one start/stop, and what the
// API does with them (rule changes, acknowledgements). Removing a rule, or a device, resolves
// their alerts; narrowing a rule's scope resolves the alerts of the devices it left. At start the
// newest stored readings seed the silence of absence rules, and the windows of increase and rate
// rules are read from the store (window-rules.ts) before any input opens; a rule made or replaced
// later has its windows read the same way.
import type { EventBus } from '../events.js';
import type { HubLogger } from '../logger.js';
import type { Device, Reading } from '../model.js';
import type { Stage } from '../stage.js';
import type { Store } from '../store.js';
import type { Alert, DeliveryAttempt } from './alert.js';
import { AlertBook } from './alert-book.js';
import { AlertEvaluator } from './evaluator.js';
import { RuleBook } from './rule-book.js';
import { devicesInScope, isWindowKind, type AlertRule, type RuleInput } from './rules.js';
import { REFILL_LIMIT } from './window-rules.js';

export interface AlertServiceOptions {
  /** Most devices one rule's scope may match. */
  maxDevices: number;
  /** How often absence and presence rules are checked. */
  checkIntervalMs: number;
  /** Resolved alerts older than this many days are deleted, at start and hourly; 0 keeps them. */
  retentionDays: number;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export class AlertService implements Stage {
  readonly name = 'alerts';
  readonly rules: RuleBook;
  readonly alerts: AlertBook;
  private readonly evaluator: AlertEvaluator;
  private unsubscribe: (() => void) | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      bus: EventBus;
      devices: { get(id: string): Device | undefined; list(): Device[] };
      log: HubLogger;
      clock?: () => number;
    },
    private readonly options: AlertServiceOptions,
  ) {
    this.rules = new RuleBook(deps, { maxDevices: options.maxDevices });
    this.alerts = new AlertBook({ store: deps.store, bus: deps.bus, log: deps.log, rule: (id) => this.rules.get(id) });
    this.evaluator = new AlertEvaluator({ ...deps, rules: this.rules, book: this.alerts }, { checkIntervalMs: options.checkIntervalMs });
  }

  async start(): Promise<void> {
    await this.rules.load();
    await this.alerts.load();
    const latest = await this.deps.store.latestReadings();
    this.evaluator.seed(latest);
    for (const rule of this.rules.list()) await this.fillWindows(rule, latest);
    this.evaluator.start();
    this.unsubscribe = this.deps.bus.on('deviceRemoved', ({ id }) => {
      this.resolveWhere((alert) => alert.deviceId === id, 'device removed');
      this.evaluator.windows.prune(this.rules.list(), id);
    });
    if (this.options.retentionDays > 0) {
      await this.prune();
      this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
      this.pruneTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    this.evaluator.stop();
    await this.alerts.settle();
  }

  async createRule(input: RuleInput): Promise<AlertRule> {
    const rule = await this.rules.create(input);
    await this.fillWindows(rule);
    this.deps.bus.emit('alertRule', { rule, removed: false });
    return rule;
  }

  /** A device the new definition no longer watches has its active alert resolved. */
  async replaceRule(id: string, input: RuleInput): Promise<AlertRule | undefined> {
    const rule = await this.rules.replace(id, input);
    if (!rule) return undefined;
    await this.fillWindows(rule);
    const watched = new Set(devicesInScope(rule, this.deps.devices.list()).map((d) => d.id));
    this.resolveWhere((alert) => alert.ruleId === id && !watched.has(alert.deviceId), 'rule changed');
    this.deps.bus.emit('alertRule', { rule, removed: false });
    return rule;
  }

  async removeRule(id: string): Promise<boolean> {
    const rule = this.rules.get(id);
    const removed = await this.rules.remove(id);
    this.resolveWhere((alert) => alert.ruleId === id, 'rule removed');
    this.evaluator.windows.prune(this.rules.list());
    if (rule && removed) this.deps.bus.emit('alertRule', { rule, removed: true });
    return removed;
  }

  /**
   * Reads an increase or rate rule's windows from the store: for each device it watches, the window
   * before the metric's newest stored reading. A failed read leaves the window to fill from live
   * readings; the rule still works.
   */
  private async fillWindows(rule: AlertRule, latest?: readonly Reading[]): Promise<void> {
    if (!isWindowKind(rule.kind)) return;
    const { store } = this.deps;
    let newest: Promise<Map<string, number>> | undefined;
    const newestOf = async (deviceId: string) => {
      newest ??= (latest ? Promise.resolve(latest) : store.latestReadings()).then(
        (readings) => new Map(readings.map((r) => [`${r.deviceId}\u0000${r.metric}`, r.ts])),
      );
      return (await newest).get(`${deviceId}\u0000${rule.metric}`);
    };
    const devices = devicesInScope(rule, this.deps.devices.list()).map((d) => d.id);
    try {
      await this.evaluator.windows.fill(rule, devices, async (deviceId) => {
        const to = await newestOf(deviceId);
        if (to === undefined) return [];
        const page = await store.queryRaw({ deviceId, metric: rule.metric, from: to - rule.windowMs!, to: to + 1, limit: REFILL_LIMIT });
        return page.readings;
      });
    } catch (err) {
      this.deps.log.warn({ err, rule: rule.id }, 'could not read the window of an alert rule from the store; it fills from new readings');
    }
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

  /** Deletes the resolved alerts past retention now (the hourly timer does it otherwise); a failure is logged. */
  async prune(): Promise<number> {
    if (this.options.retentionDays <= 0) return 0;
    try {
      const deleted = await this.alerts.prune(this.now() - this.options.retentionDays * DAY_MS);
      if (deleted > 0) this.deps.log.info({ deleted, retentionDays: this.options.retentionDays }, 'resolved alerts past retention deleted');
      return deleted;
    } catch (err) {
      this.deps.log.warn({ err }, 'resolved alerts could not be pruned; trying again in an hour');
      return 0;
    }
  }

  /** Runs the clock's checks now (absence, presence durations); the interval does it otherwise. */
  check(): void {
    this.evaluator.check();
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
