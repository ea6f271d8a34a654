// Sends an alert's firing and its resolution to its rule's webhook: a JSON POST, signed with an
// HMAC-SHA256 of the body when the rule has a secret (X-Hub-Signature-256: sha256=<hex>), retried
// with doubling waits. Every attempt is stored on the alert. Only stored transitions reach the
// bus, so a restarted hub does not send a firing again; a delivery still owed when the hub stopped
// (retrying, or not yet tried) is resumed at the next start from the stored attempts (backlog.ts),
// and one that succeeded is never sent again.
import { createHmac } from 'node:crypto';
import type { Alert, AlertState, AlertTransition, DeliveryAttempt } from '../../core/alerts/alert.js';
import type { AlertRule } from '../../core/alerts/rules.js';
import type { EventBus, HubEvents } from '../../core/events.js';
import type { HubLogger } from '../../core/logger.js';
import type { Stage } from '../../core/stage.js';
import { owedDeliveries } from './backlog.js';

export interface WebhookOptions {
  attempts: number;
  firstRetryMs: number;
  timeoutMs: number;
  /** Where a person finds the alert (the hub's API). */
  link: (alert: Alert) => string;
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSender implements Stage {
  readonly name = 'alert-webhooks';
  private unsubscribe: (() => void) | null = null;
  private readonly waits = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Alert and state of every delivery started since this start: none is started twice. */
  private readonly started = new Set<string>();

  constructor(
    private readonly deps: {
      bus: EventBus;
      record: (alertId: string, attempt: DeliveryAttempt) => Promise<void>;
      /** Every stored alert, and a rule by id: for the deliveries owed from before this start. */
      stored: () => Promise<Alert[]>;
      rule: (id: string) => AlertRule | undefined;
      /** Resolves once the hub runs (its links point somewhere): owed deliveries wait for it. */
      running: () => Promise<void>;
      log: HubLogger;
    },
    private readonly options: WebhookOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.started.clear();
    this.unsubscribe = this.deps.bus.on('alert', (event) => this.onAlert(event));
    void this.deps
      .running()
      .then(() => (this.stopped ? undefined : this.resumeOwed()))
      .catch((err: unknown) => this.deps.log.error({ err }, 'alert webhook deliveries owed from before the start could not be read'));
  }

  /** Deliveries a stopped or killed hub still owed: resumed after the attempts already made. */
  private async resumeOwed(): Promise<void> {
    let resumed = 0;
    for (const alert of await this.deps.stored()) {
      const rule = this.deps.rule(alert.ruleId);
      if (!rule?.webhook) continue;
      for (const owed of owedDeliveries(alert, this.options.attempts)) {
        void this.deliver(rule, alert, owed.state, owed.transition, owed.tried);
        resumed++;
      }
    }
    if (resumed > 0) this.deps.log.info({ resumed }, 'alert webhook deliveries owed from before the start resumed');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const wait of this.waits) clearTimeout(wait);
    this.waits.clear();
  }

  private onAlert({ alert, rule, transition, previous }: HubEvents['alert']): void {
    if (!rule?.webhook) return;
    const worthWaking = transition === 'firing' || (transition === 'resolved' && previous === 'firing');
    if (!worthWaking) return;
    const made = alert.transitions.at(-1) ?? { state: transition, at: alert.updatedAt, values: alert.values };
    void this.deliver(rule, alert, transition, made, 0);
  }

  /** Sends one transition's notification, attempts `tried + 1` onwards. */
  private async deliver(rule: AlertRule, alert: Alert, state: AlertState, made: AlertTransition, tried: number): Promise<void> {
    // A transition stored while the owed ones were read may come both ways: it is sent once.
    const once = `${alert.id}\u0000${state}`;
    if (this.started.has(once)) return;
    this.started.add(once);
    try {
      await this.attempt(rule, alert, state, made, tried);
    } finally {
      // a resumed one stays marked; a live one is stored by now, so no later read finds it owed
      if (tried === 0) this.started.delete(once);
    }
  }

  private async attempt(rule: AlertRule, alert: Alert, state: AlertState, made: AlertTransition, tried: number): Promise<void> {
    const webhook = rule.webhook!;
    const body = JSON.stringify({
      rule: { id: rule.id, name: rule.name, kind: rule.kind },
      device: alert.deviceId,
      state,
      values: made.values,
      at: new Date(made.at).toISOString(),
      link: this.options.link(alert),
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'telemetry-hub' };
    if (webhook.secret) headers['x-hub-signature-256'] = signature(webhook.secret, body);
    if (tried > 0) await this.sleep(this.options.firstRetryMs * 2 ** (tried - 1));
    for (let attempt = tried + 1; attempt <= this.options.attempts && !this.stopped; attempt++) {
      const result = await this.post(webhook.url, headers, body);
      await this.deps.record(alert.id, { state, attempt, at: Date.now(), ...result }).catch(() => {}); // the book logs it
      if (result.ok) return;
      this.deps.log.warn({ alert: alert.id, url: webhook.url, attempt, ...result }, 'alert webhook failed');
      if (attempt < this.options.attempts) await this.sleep(this.options.firstRetryMs * 2 ** (attempt - 1));
    }
  }

  private async post(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<Pick<DeliveryAttempt, 'ok' | 'status' | 'error'>> {
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.options.timeoutMs) });
      await res.body?.cancel();
      return res.ok ? { ok: true, status: res.status } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wait = setTimeout(() => {
        this.waits.delete(wait);
        resolve();
      }, ms);
      this.waits.add(wait);
    });
  }
}
