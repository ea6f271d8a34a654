// Alerts in the dashboard, wired as one part: the store (REST at start, then the stream's `alert`
// events), the banner shown over every page, and the alerts and rules pages the router opens.
import type { Api } from '../api.js';
import type { StreamState } from '../live-stream.js';
import type { AlertEvent, Device, Role } from '../types.js';
import { AlertBanner } from './alert-banner.js';
import { AlertStore } from './alert-store.js';
import { AlertsApi } from './alerts-api.js';
import { AlertsPage } from './alerts-page.js';
import { RulesPage } from './rules-page.js';
import './alerts.css';

export interface AlertsAreaDeps {
  api: Api;
  role: Role;
  devices: () => Device[];
  confirm: (question: string, action: string) => Promise<boolean>;
}

export interface AlertsView {
  element: HTMLElement;
  start(): void;
  stop(): void;
}

export class AlertsArea {
  private readonly api: AlertsApi;
  private readonly store: AlertStore;
  readonly banner: AlertBanner;
  private wasLive = false;
  private away = false;

  constructor(private readonly deps: AlertsAreaDeps) {
    this.api = new AlertsApi(deps.api);
    this.store = new AlertStore(this.api);
    this.banner = new AlertBanner(this.store);
  }

  start(): void {
    this.banner.start();
    void this.store.load();
  }

  stop(): void {
    this.banner.stop();
  }

  apply(event: AlertEvent): void {
    this.store.apply(event);
  }

  /** The stream's history was too short to replay what was missed. */
  reload(): void {
    void this.store.load();
  }

  /** Back live after the stream was away (a hub restart, a network gap): read REST again. */
  streamState(state: StreamState): void {
    if (state !== 'live') {
      this.away = this.wasLive;
      return;
    }
    if (this.away) void this.store.load();
    this.wasLive = true;
    this.away = false;
  }

  page(which: 'alerts' | 'rules'): AlertsView {
    const operator = this.deps.role === 'operator' || this.deps.role === 'admin';
    if (which === 'alerts') return new AlertsPage(this.store, this.api, operator);
    return new RulesPage({ store: this.store, api: this.api, devices: this.deps.devices, canEdit: operator, confirm: this.deps.confirm });
  }
}
