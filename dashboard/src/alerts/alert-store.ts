// The alerts and rules the dashboard shows: loaded from REST at start (and again after the stream
// was away, when transitions may have been missed), then kept current from the stream's `alert`
// events. The stream announces transitions only; newer values of a firing alert and its webhook
// deliveries come from REST, which the alerts page reads again when it opens. Rules are kept for
// their names; an alert of a rule not known yet reloads them.
import type { Alert, AlertEvent } from '../types.js';
import type { AlertsApi, Rule } from './alerts-api.js';

type Listener = () => void;

export class AlertStore {
  private readonly alerts = new Map<string, Alert>();
  private readonly rules = new Map<string, Rule>();
  private readonly listeners = new Set<Listener>();
  /** Set once a load failed, so views can say why they are empty. */
  error: string | null = null;
  loaded = false;

  constructor(private readonly api: AlertsApi) {}

  async load(): Promise<void> {
    try {
      const [rules, alerts] = await Promise.all([this.api.rules(), this.api.alerts()]);
      this.setRules(rules);
      for (const alert of alerts) this.keepNewer(alert);
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.loaded = true;
    this.emit();
  }

  async reloadRules(): Promise<void> {
    try {
      this.setRules(await this.api.rules());
    } catch (err) {
      this.error = (err as Error).message;
    }
    this.emit();
  }

  apply(event: AlertEvent): void {
    this.keepNewer(event.alert);
    if (!this.rules.has(event.alert.ruleId)) void this.reloadRules();
    else this.emit();
  }

  /** An alert as the hub answered it (acknowledged, or read for its history). */
  replace(alert: Alert): void {
    this.keepNewer(alert);
    this.emit();
  }

  /** Alerts newest change first. */
  list(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  firing(): Alert[] {
    return this.list().filter((a) => a.state === 'firing');
  }

  ruleList(): Rule[] {
    return [...this.rules.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  rule(id: string): Rule | undefined {
    return this.rules.get(id);
  }

  ruleName(id: string): string {
    return this.rules.get(id)?.name ?? id;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * An event may overtake a REST answer that was already on its way: the later state wins, and of
   * two equally recent ones the one that came last (a REST answer also carries the deliveries).
   */
  private keepNewer(alert: Alert): void {
    const known = this.alerts.get(alert.id);
    if (!known || known.updatedAt <= alert.updatedAt) this.alerts.set(alert.id, alert);
  }

  private setRules(rules: Rule[]): void {
    this.rules.clear();
    for (const rule of rules) this.rules.set(rule.id, rule);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
