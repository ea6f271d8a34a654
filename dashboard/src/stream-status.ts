// The stream state in the header: "live", or how long the page has been without live updates.
// It also tells the store, so device states grey out while the stream is not live.
import type { DeviceStore } from './device-store.js';
import { h } from './dom.js';
import { formatTime } from './format.js';
import type { StreamState } from './live-stream.js';

const LABEL: Record<StreamState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };

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
