// How a device's presence reads on screen, in the list and on its page, and the stream state in
// the header. While the live stream is down the hub's word is old news: the state is greyed and
// marked as the last one known, with the time the stream went down, until the stream is back.
import type { DeviceStore } from './device-store.js';
import { h, replaceChildren } from './dom.js';
import { formatInstant, formatTime, relativeTime } from './format.js';
import type { StreamState } from './live-stream.js';
import type { Device, PresenceHistoryEntry } from './types.js';

export const PRESENCE_LABEL: Record<Device['presence'], string> = {
  online: 'online',
  stale: 'stale',
  offline: 'offline',
  unknown: 'unknown',
};

export function presenceBadge(): HTMLElement {
  return h('span', { class: 'presence', 'data-presence': '' });
}

/** Fills a badge made by presenceBadge(); rewrites it only when something changed. */
export function showPresence(badge: HTMLElement, presence: Device['presence'], streamDownSince: number | null): void {
  const stream = streamDownSince === null ? 'live' : 'down';
  const key = `${presence}/${streamDownSince ?? ''}`;
  if (badge.dataset.key === key) return;
  badge.dataset.key = key;
  badge.dataset.presence = presence;
  badge.dataset.stream = stream;
  badge.className = `presence presence-${stream === 'live' ? presence : 'unknown'}`;
  if (streamDownSince === null) {
    badge.textContent = PRESENCE_LABEL[presence];
    badge.removeAttribute('title');
    return;
  }
  const since = formatTime(streamDownSince);
  badge.textContent = `${PRESENCE_LABEL[presence]}?`;
  badge.append(h('span', { class: 'presence-note' }, ` last known; no updates since ${since}`));
  badge.title = `The live stream is down since ${formatInstant(streamDownSince)}; this is the state the hub reported before.`;
}

/** "just now" only while news can arrive; with the stream down, the time as of then. */
export function lastSeenText(lastSeen: number | null, streamDownSince: number | null): string {
  if (streamDownSince === null || lastSeen === null) return relativeTime(lastSeen);
  return `${relativeTime(lastSeen, Math.max(lastSeen, streamDownSince))} as of ${formatTime(streamDownSince)}`;
}

/** The notice above the list (and on a device page) while the stream is down. */
export function streamNotice(el: HTMLElement, streamDownSince: number | null): void {
  el.hidden = streamDownSince === null;
  const text =
    streamDownSince === null
      ? ''
      : `No live updates since ${formatTime(streamDownSince)} (${relativeTime(streamDownSince)}): presence and values are the last known ones.`;
  if (el.textContent !== text) el.textContent = text;
}

/** A device's presence changes, newest first, as GET /api/devices/:id answers them. */
export function presenceHistoryList(entries: PresenceHistoryEntry[]): HTMLElement {
  const list = h('ol', { class: 'presence-history' });
  if (entries.length === 0) {
    replaceChildren(list, h('li', { class: 'hint' }, 'No presence changes recorded yet.'));
    return list;
  }
  const newestFirst = [...entries].sort((a, b) => b.ts - a.ts);
  for (const e of newestFirst) {
    list.append(
      h(
        'li',
        { 'data-state': e.state },
        h('time', { datetime: new Date(e.ts).toISOString() }, formatInstant(e.ts)),
        ' ',
        h('span', { class: `presence presence-${e.state}` }, PRESENCE_LABEL[e.state]),
        h('span', { class: 'hint' }, ` from ${PRESENCE_LABEL[e.previous]} · ${e.reason}`),
      ),
    );
  }
  return list;
}

const LABEL: Record<StreamState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };

/** The stream state in the header; it also tells the store, so device states grey out while it is not live. */
export class StreamStatus {
  readonly element = h('span', { class: 'connection', id: 'connection', role: 'status', 'data-state': 'connecting' }, LABEL.connecting);
  private firstLive: () => void = () => {};
  /** Resolves when the stream is live for the first time. */
  readonly live = new Promise<void>((resolve) => {
    this.firstLive = resolve;
  });

  constructor(private readonly store: DeviceStore) {}

  set(state: StreamState): void {
    this.store.setStreamLive(state === 'live');
    this.element.dataset.state = state;
    const since = this.store.streamDownSince;
    this.element.textContent = since === null ? LABEL[state] : `${LABEL[state]} (no updates since ${formatTime(since)})`;
    if (state === 'live') this.firstLive();
  }
}
