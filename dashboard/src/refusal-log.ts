// What the hub refused from one device: the refusals it keeps (GET /api/devices/:id/refusals,
// where the hub has that route) joined with the ones the live stream reported since the page
// opened, newest first, each with its reason, topic and time.
import type { Api } from './api.js';
import { h, replaceChildren } from './dom.js';
import type { DeviceStore, ShownRefusal } from './device-store.js';
import { formatInstant } from './format.js';

const SHOWN = 50;

export class RefusalLog {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'refusal-log-body' });
  private stored: ShownRefusal[] = [];
  private unsubscribe: (() => void) | null = null;
  private shownKey = '';

  constructor(
    private readonly deviceId: string,
    private readonly api: Api,
    private readonly store: DeviceStore,
  ) {
    this.element = h(
      'section',
      { class: 'refusals', 'aria-labelledby': 'refusals-title' },
      h('h3', { id: 'refusals-title' }, 'Refused messages'),
      this.body,
    );
  }

  start(): void {
    this.unsubscribe = this.store.onChange((id) => {
      if (id === this.deviceId) this.render();
    });
    this.render();
    this.api.refusals(this.deviceId).then(
      (stored) => {
        this.stored = stored ?? [];
        this.render();
      },
      (err: Error) => this.body.append(h('p', { class: 'error' }, `Stored refusals could not be loaded: ${err.message}`)),
    );
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private render(): void {
    const seen = new Set<string>();
    const all = [...this.store.refusalsOf(this.deviceId), ...this.stored]
      .filter((r) => {
        const key = `${r.ts}/${r.code}/${r.detail}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => b.ts - a.ts)
      .slice(0, SHOWN);
    const key = all.map((r) => `${r.ts}/${r.code}`).join();
    if (key === this.shownKey && this.body.firstChild) return;
    this.shownKey = key;
    if (all.length === 0) {
      replaceChildren(this.body, h('p', { class: 'hint' }, 'Nothing refused from this device.'));
      return;
    }
    replaceChildren(
      this.body,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'refusal-table' },
          h('thead', {}, h('tr', {}, ...['Time', 'Code', 'Reason', 'Topic', 'Source'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            ...all.map((r) =>
              h(
                'tr',
                { 'data-code': r.code },
                h('td', {}, h('time', { datetime: new Date(r.ts).toISOString() }, formatInstant(r.ts))),
                h('td', {}, h('code', {}, r.code)),
                h('td', {}, r.detail),
                h('td', {}, r.topic ? h('code', {}, r.topic) : '–'),
                h('td', {}, r.source),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
