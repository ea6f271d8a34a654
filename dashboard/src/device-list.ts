// The device table: presence, last seen, transport, firmware, latest values and the latest
// refusal, with search and filters; each device's name links to its page. On a phone each row is
// a card whose fields carry their own labels. Rows refresh twice a second at most (values arrive
// far more often than eyes can read).
import { h, replaceChildren } from './dom.js';
import type { DeviceStore, ShownRefusal } from './device-store.js';
import { formatInstant, formatValue, relativeTime } from './format.js';
import { lastSeenText, PRESENCE_LABEL, presenceBadge, showPresence, streamNotice } from './presence-view.js';
import { transportLabel } from './dialects.js';
import { deviceHref } from './router.js';
import type { Device } from './types.js';

const REFRESH_MS = 500;
const COLUMNS = ['Device', 'Presence', 'Last seen', 'Transport', 'Firmware', 'Latest values', 'Last refusal'];

export interface DeviceFilter {
  text: string;
  presence: string;
  transport: string;
}

export class DeviceList {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly transportSelect: HTMLSelectElement;
  private readonly count = h('p', { class: 'hint', 'aria-live': 'polite' });
  private readonly notice = h('p', { class: 'stream-notice', role: 'status', hidden: true });
  private readonly filter: DeviceFilter = { text: '', presence: '', transport: '' };
  private readonly shownListeners = new Set<() => void>();
  private shownKey = '';
  private timer: number | null = null;
  private dirty = true;
  private ticks = 0;
  private readonly rows = new Map<string, HTMLTableRowElement>();

  constructor(private readonly store: DeviceStore) {
    const search = h('input', { id: 'device-search', type: 'search', placeholder: 'id, name or metric', autocomplete: 'off' });
    search.addEventListener('input', () => this.setFilter({ text: search.value.trim().toLowerCase() }));
    const presence = h(
      'select',
      { id: 'presence-filter' },
      h('option', { value: '' }, 'any'),
      ...Object.keys(PRESENCE_LABEL).map((p) => h('option', { value: p }, p)),
    );
    presence.addEventListener('change', () => this.setFilter({ presence: presence.value }));
    this.transportSelect = h('select', { id: 'transport-filter' }, h('option', { value: '' }, 'any'));
    this.transportSelect.addEventListener('change', () => this.setFilter({ transport: this.transportSelect.value }));

    this.element = h(
      'section',
      { class: 'devices card', 'aria-labelledby': 'devices-title' },
      h('h2', { id: 'devices-title' }, 'Devices'),
      this.notice,
      h(
        'div',
        { class: 'filters', role: 'search' },
        h('label', { for: 'device-search' }, 'Search'),
        search,
        h('label', { for: 'presence-filter' }, 'Presence'),
        presence,
        h('label', { for: 'transport-filter' }, 'Transport'),
        this.transportSelect,
      ),
      this.count,
      h(
        'div',
        { class: 'table-scroll' },
        h('table', {}, h('thead', {}, h('tr', {}, ...COLUMNS.map((t) => h('th', { scope: 'col' }, t)))), this.body),
      ),
    );
    store.onChange(() => {
      this.dirty = true;
    });
  }

  start(): void {
    this.render();
    this.timer = window.setInterval(() => this.render(), REFRESH_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  matches(device: Device): boolean {
    const { text, presence, transport } = this.filter;
    if (presence && device.presence !== presence) return false;
    if (transport && device.transport !== transport) return false;
    if (!text) return true;
    const haystack = [device.id, device.name, ...device.metrics.map((m) => m.name)].join(' ').toLowerCase();
    return haystack.includes(text);
  }

  /** Called when the set of devices shown changes: a filter, a new device, a presence change. */
  onShownChange(listener: () => void): void {
    this.shownListeners.add(listener);
  }

  private setFilter(change: Partial<DeviceFilter>): void {
    Object.assign(this.filter, change);
    this.dirty = true;
    this.render();
  }

  private render(): void {
    // Relative times age even without news, so refresh every few ticks regardless.
    if (!this.dirty && ++this.ticks % 4 !== 0) return;
    this.dirty = false;
    const all = this.store.list();
    this.syncTransports(all);
    const shown = all.filter((d) => this.matches(d));
    // Rows are kept and updated in place so keyboard focus on a row survives the refresh.
    const rows = shown.map((d) => this.rowFor(d));
    for (const [id, row] of this.rows)
      if (!shown.some((d) => d.id === id)) {
        row.remove();
        this.rows.delete(id);
      }
    rows.forEach((row, i) => {
      if (this.body.children[i] !== row) this.body.insertBefore(row, this.body.children[i] ?? null);
    });
    setText(this.count, `${shown.length} of ${all.length} devices shown`);
    streamNotice(this.notice, this.store.streamDownSince);
    const key = shown.map((d) => d.id).join();
    if (key !== this.shownKey) {
      this.shownKey = key;
      for (const listener of this.shownListeners) listener();
    }
  }

  private rowFor(device: Device): HTMLTableRowElement {
    let row = this.rows.get(device.id);
    if (!row) {
      const cell = (i: number, cls: string | null, ...content: Array<Node | string>) =>
        h(
          'td',
          { class: cls },
          h('span', { class: 'cell-label', 'aria-hidden': 'true' }, COLUMNS[i]),
          h('span', { class: 'cell-value' }, ...content),
        );
      row = h(
        'tr',
        { 'data-device-id': device.id },
        h(
          'th',
          { scope: 'row' },
          h(
            'a',
            { class: 'link', href: deviceHref(device.id) },
            h('span', { class: 'device-name' }),
            h('span', { class: 'device-id' }, device.id),
          ),
        ),
        cell(1, 'presence-cell', presenceBadge()),
        cell(2, null),
        cell(3, null),
        cell(4, null),
        cell(5, 'values'),
        cell(6, 'refusal', h('code', {}), h('span', { class: 'refusal-detail' }), h('span', { class: 'refusal-when' })),
      );
      this.rows.set(device.id, row);
    }
    const [presence, seen, transport, firmware, values, refusal] = [...row.querySelectorAll('td > .cell-value')] as HTMLElement[];
    setText(row.querySelector('.device-name')!, device.name);
    const down = this.store.streamDownSince;
    showPresence(presence.firstElementChild as HTMLElement, device.presence, down);
    setText(seen, lastSeenText(device.lastSeen, down));
    seen.title = device.lastSeen ? formatInstant(device.lastSeen) : '';
    setText(transport, transportLabel(device));
    setText(firmware, device.firmware ?? '–');
    const latest = device.metrics.map((m) => {
      const value = device.latest?.[m.name];
      return `${m.name} ${value ? formatValue(value.value, m.unit) : '–'}`;
    });
    setText(values, latest.join(' · '));
    showRefusal(refusal, this.store.refusalOf(device.id));
    return row;
  }

  private syncTransports(devices: Device[]): void {
    const kinds = [...new Set(devices.map((d) => d.transport))].sort();
    const have = [...this.transportSelect.options].slice(1).map((o) => o.value);
    if (kinds.join() === have.join()) return;
    const selected = this.transportSelect.value;
    replaceChildren(this.transportSelect, h('option', { value: '' }, 'any'), ...kinds.map((k) => h('option', { value: k }, k)));
    this.transportSelect.value = kinds.includes(selected) ? selected : '';
  }
}

/** What the hub last refused from the device: its code, the detail, how many so far and when. */
function showRefusal(value: HTMLElement, refusal: ShownRefusal | undefined): void {
  const [code, detail, when] = [...value.children] as HTMLElement[];
  const cell = value.parentElement!;
  cell.dataset.code = refusal?.code ?? '';
  setText(code, refusal?.code ?? '–');
  setText(detail, refusal?.detail ?? '');
  const count = refusal?.count === undefined ? '' : `${refusal.count} ${refusal.count === 1 ? 'refusal' : 'refusals'}, `;
  setText(when, refusal ? `${count}last ${relativeTime(refusal.ts)}` : '');
  cell.title = refusal ? `${refusal.source}: ${refusal.detail} (${formatInstant(refusal.ts)})` : '';
}

function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
