// The alerts and rules the dashboard shows: loaded from REST at start (and again after the stream
// was away, when transitions may have been missed), then kept current from the stream's `alert`
// events. Rules are kept for their names; an alert of a rule not known yet reloads them.
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
      this.alerts.clear();
      for (const alert of alerts) this.alerts.set(alert.id, alert);
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
    const known = this.alerts.get(event.alert.id);
    // Events may overtake a REST answer that was already on its way: keep the later state.
    if (known && known.updatedAt > event.alert.updatedAt) return;
    this.alerts.set(event.alert.id, event.alert);
    if (!this.rules.has(event.alert.ruleId)) void this.reloadRules();
    else this.emit();
  }

  /** An acknowledged alert as the hub answered it. */
  replace(alert: Alert): void {
    this.alerts.set(alert.id, alert);
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

  private setRules(rules: Rule[]): void {
    this.rules.clear();
    for (const rule of rules) this.rules.set(rule.id, rule);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
