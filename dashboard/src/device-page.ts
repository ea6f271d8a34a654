// One device's page (`#/devices/<id>`): what it is and how it is doing (presence now and its
// history), its metrics with units and latest values, its outputs and commands, what the hub
// refused from it, and its history charts. Admins also rename, re-key or remove it here.
import type { Api } from './api.js';
import { DeviceActions } from './admin/device-actions.js';
import type { ControlChannel } from './control-channel.js';
import { ControlPanel } from './control-panel.js';
import { h, replaceChildren } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { transportLabel } from './dialects.js';
import { formatInstant } from './format.js';
import { HistoryPanel } from './history-panel.js';
import { MetricTable } from './metric-table.js';
import { lastSeenText, presenceBadge, presenceHistoryList, showPresence, streamNotice } from './presence-view.js';
import { RefusalLog } from './refusal-log.js';
import { energyHref, LIST_HREF } from './router.js';
import { counterMetrics } from './energy/meters.js';
import type { Device, Role } from './types.js';

export interface PageDeps {
  api: Api;
  store: DeviceStore;
  control: ControlChannel;
  role: Role;
  confirm: (question: string, action: string) => Promise<boolean>;
}

const REFRESH_MS = 1_000;

export class DevicePage {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'device-body' });
  private readonly parts: Array<{ start(): void; stop(): void }> = [];
  private refresh: (() => void) | null = null;
  private timer: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private built = false;

  constructor(
    private readonly id: string,
    private readonly deps: PageDeps,
  ) {
    this.element = h(
      'section',
      { class: 'detail card', 'aria-labelledby': 'detail-title', 'data-device-id': id },
      h('nav', { 'aria-label': 'Breadcrumb' }, h('a', { href: LIST_HREF, class: 'back' }, '← All devices')),
      this.body,
    );
    replaceChildren(this.body, h('h2', { id: 'detail-title', tabindex: -1 }, id), h('p', { class: 'hint', role: 'status' }, 'Loading…'));
  }

  start(): void {
    this.unsubscribe = this.deps.store.onChange((changed) => {
      if (changed === null || changed === this.id) this.update();
    });
    this.timer = window.setInterval(() => this.refresh?.(), REFRESH_MS);
    this.update();
    (this.element.querySelector('#detail-title') as HTMLElement).focus();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.timer !== null) clearInterval(this.timer);
    for (const part of this.parts) part.stop();
  }

  private update(): void {
    const device = this.deps.store.get(this.id);
    if (!device) {
      if (this.deps.store.loaded) this.showMissing();
      return;
    }
    if (!this.built) this.build(device);
    this.refresh?.();
  }

  private showMissing(): void {
    if (this.built) for (const part of this.parts.splice(0)) part.stop();
    this.built = false;
    this.refresh = null;
    replaceChildren(
      this.body,
      h('h2', { id: 'detail-title', tabindex: -1 }, `No device ${this.id}`),
      h(
        'p',
        { role: 'status' },
        'The hub knows no device with this id (any more).',
        ' ',
        h('a', { href: LIST_HREF }, 'Back to all devices'),
      ),
    );
  }

  private build(device: Device): void {
    this.built = true;
    const { api, store, control, role, confirm } = this.deps;
    const hadFocus = document.activeElement?.id === 'detail-title';
    const title = h('h2', { id: 'detail-title', tabindex: -1 }, device.name);
    const notice = h('p', { class: 'stream-notice', role: 'status', hidden: true });
    const badge = presenceBadge();
    const seen = h('dd', {});
    const history = h('div', { class: 'presence-history-host' }, h('p', { class: 'hint' }, 'Loading…'));
    const metrics = new MetricTable(device, store);
    const actions = role === 'admin' ? new DeviceActions(device, api, store, confirm) : null;
    const control_ = new ControlPanel(device, role, control, store, confirm);
    const refusals = new RefusalLog(device.id, api, store);
    const charts = new HistoryPanel(api, store, device);
    this.parts.push(metrics, control_, refusals, charts, ...(actions ? [actions] : []));
    replaceChildren(
      this.body,
      h('div', { class: 'detail-head' }, title, actions?.element),
      notice,
      // Meters (devices with counters) have an energy view: use per hour, day and month.
      counterMetrics(device).length > 0
        ? h('p', { class: 'energy-link' }, h('a', { href: energyHref(device.id) }, 'Energy use per hour, day and month'))
        : null,
      h(
        'dl',
        { class: 'facts' },
        ...fact('Id', h('code', {}, device.id)),
        ...fact('Presence', badge),
        h('dt', {}, 'Last seen'),
        seen,
        ...fact('Transport', transportLabel(device)),
        ...fact('Firmware', device.firmware ?? '–'),
        ...fact('Samples', device.sampleIntervalMs ? `every ${device.sampleIntervalMs / 1000} s` : '–'),
        ...fact('Known since', formatInstant(device.createdAt)),
      ),
      metrics.element,
      control_.element,
      refusals.element,
      h(
        'section',
        { class: 'presence-log', 'aria-labelledby': 'presence-title' },
        h('h3', { id: 'presence-title' }, 'Presence history'),
        history,
      ),
      charts.element,
    );
    this.refresh = () => {
      const now = store.get(this.id);
      if (!now) return;
      if (title.textContent !== now.name) title.textContent = now.name;
      showPresence(badge, now.presence, store.streamDownSince);
      const text = lastSeenText(now.lastSeen, store.streamDownSince);
      if (seen.textContent !== text) seen.textContent = text;
      streamNotice(notice, store.streamDownSince);
      metrics.refresh();
    };
    for (const part of this.parts) part.start();
    if (hadFocus) title.focus();
    api.device(this.id).then(
      ({ presenceHistory }) => replaceChildren(history, presenceHistoryList(presenceHistory)),
      (err: Error) => replaceChildren(history, h('p', { class: 'error' }, `Presence history could not be loaded: ${err.message}`)),
    );
  }
}

function fact(term: string, ...value: Array<Node | string>): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, ...value)];
}
