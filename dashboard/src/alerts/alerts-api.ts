// The alert routes of the hub's REST API (README "Alerts"): rules that viewers read and operators
// change, and alerts that viewers list and operators acknowledge. Refusals arrive as ApiError
// with the hub's reason code and the reason in words.
import type { Api } from '../api.js';
import type { Alert } from '../types.js';

/**
 * A rule as the form sends it. `kind` is a plain string, not the hub's current list, so a kind
 * the form offers before the hub knows it is sent as written and refused by the hub in words.
 */
export interface RuleBody {
  name: string;
  kind: string;
  metric?: string;
  op?: 'above' | 'below';
  value?: number;
  durationMs: number;
  /** The sliding window of increase and rate rules. */
  windowMs?: number;
  devices?: string[];
  states?: Array<'offline' | 'stale'>;
  webhook?: { url: string; secret?: string };
}

export interface Rule extends RuleBody {
  id: string;
  createdAt: number;
  updatedAt: number;
}

export class AlertsApi {
  constructor(private readonly api: Api) {}

  async rules(): Promise<Rule[]> {
    return (await this.api.get<{ rules: Rule[] }>('/api/rules')).rules;
  }

  async alerts(): Promise<Alert[]> {
    return (await this.api.get<{ alerts: Alert[] }>('/api/alerts')).alerts;
  }

  /** One alert with its latest values and every delivery attempt so far. */
  alert(id: string): Promise<Alert> {
    return this.api.get(`/api/alerts/${encodeURIComponent(id)}`);
  }

  createRule(rule: RuleBody): Promise<Rule> {
    return this.api.send('POST', '/api/rules', rule);
  }

  replaceRule(id: string, rule: RuleBody): Promise<Rule> {
    return this.api.send('PUT', `/api/rules/${encodeURIComponent(id)}`, rule);
  }

  async removeRule(id: string): Promise<void> {
    await this.api.send('DELETE', `/api/rules/${encodeURIComponent(id)}`);
  }

  acknowledge(id: string): Promise<Alert> {
    return this.api.send('POST', `/api/alerts/${encodeURIComponent(id)}/ack`);
  }
}
