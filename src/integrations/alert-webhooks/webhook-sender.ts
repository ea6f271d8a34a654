// Sends an alert's firing and its resolution to its rule's webhook: a JSON POST, signed with an
// HMAC-SHA256 of the body when the rule has a secret (X-Hub-Signature-256: sha256=<hex>), retried
// with doubling waits. Every attempt is stored on the alert. Only stored transitions reach the
// bus, so a restarted hub does not send a firing again; a retry still waiting when the hub stops
// is not sent.
import { createHmac } from 'node:crypto';
import type { Alert, AlertState, DeliveryAttempt } from '../../core/alerts/alert.js';
import type { AlertRule } from '../../core/alerts/rules.js';
import type { EventBus, HubEvents } from '../../core/events.js';
import type { HubLogger } from '../../core/logger.js';
import type { Stage } from '../../core/stage.js';

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

  constructor(
    private readonly deps: {
      bus: EventBus;
      record: (alertId: string, attempt: DeliveryAttempt) => Promise<void>;
      log: HubLogger;
    },
    private readonly options: WebhookOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.unsubscribe = this.deps.bus.on('alert', (event) => this.onAlert(event));
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
    void this.deliver(rule, alert, transition);
  }

  private async deliver(rule: AlertRule, alert: Alert, state: AlertState): Promise<void> {
    const webhook = rule.webhook!;
    const at = alert.transitions.at(-1)?.at ?? alert.updatedAt;
    const body = JSON.stringify({
      rule: { id: rule.id, name: rule.name, kind: rule.kind },
      device: alert.deviceId,
      state,
      values: alert.values,
      at: new Date(at).toISOString(),
      link: this.options.link(alert),
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'telemetry-hub' };
    if (webhook.secret) headers['x-hub-signature-256'] = signature(webhook.secret, body);
    for (let attempt = 1; attempt <= this.options.attempts && !this.stopped; attempt++) {
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
