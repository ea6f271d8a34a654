// The page's one EventSource. The browser reconnects by itself (sending Last-Event-ID); when it
// gives up (a refused token, the hub restarting slowly) we open a new one with `lastEventId` so
// the hub replays what was missed. A `reset` means the gap is older than the hub's history:
// listeners reload from REST.
import type { AlertEvent, Command, Device, PresenceEvent, ReadingEvent, RefusalEvent } from './types.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  reading(event: ReadingEvent): void;
  presence(event: PresenceEvent): void;
  command(event: Command): void;
  device(event: Device): void;
  /** An admin removed the device. */
  removed(event: { id: string }): void;
  refusal(event: RefusalEvent): void;
  /** An alert's transition or acknowledgement. */
  alert(event: AlertEvent): void;
  reset(): void;
  state(state: StreamState): void;
}

const EVENT_TYPES = ['reading', 'presence', 'command', 'device', 'deviceRemoved', 'refusal', 'alert', 'reset'] as const;
const MAX_BACKOFF_MS = 15_000;

export class LiveStream {
  private source: EventSource | null = null;
  private lastEventId: string | null = null;
  private retryTimer: number | null = null;
  private failures = 0;
  /** Events whose data did not parse; shown in the footer so a broken stream is noticed. */
  malformed = 0;

  constructor(
    private readonly urlFor: (lastEventId: string | null) => string,
    private readonly handlers: StreamHandlers,
  ) {}

  start(): void {
    this.open('connecting');
  }

  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
  }

  private open(state: StreamState): void {
    this.handlers.state(state);
    const source = new EventSource(this.urlFor(this.lastEventId));
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.handlers.state('live');
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) this.retryLater(source);
      else this.handlers.state('reconnecting');
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, (e) => this.dispatch(type, e as MessageEvent<string>));
  }

  private retryLater(source: EventSource): void {
    if (this.source !== source) return;
    source.close();
    this.handlers.state('reconnecting');
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++);
    this.retryTimer = window.setTimeout(() => this.open('reconnecting'), delay);
  }

  private dispatch(type: (typeof EVENT_TYPES)[number], event: MessageEvent<string>): void {
    if (event.lastEventId) this.lastEventId = event.lastEventId;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.malformed++;
      console.warn(`live stream: ${type} event with data that is not JSON`, event.data);
      return;
    }
    switch (type) {
      case 'reading':
        this.handlers.reading(data as ReadingEvent);
        break;
      case 'presence':
        this.handlers.presence(data as PresenceEvent);
        break;
      case 'command':
        this.handlers.command(data as Command);
        break;
      case 'device':
        this.handlers.device(data as Device);
        break;
      case 'deviceRemoved':
        this.handlers.removed(data as { id: string });
        break;
      case 'refusal':
        this.handlers.refusal(data as RefusalEvent);
        break;
      case 'alert':
        this.handlers.alert(data as AlertEvent);
        break;
      case 'reset':
        this.handlers.reset();
        break;
    }
  }
}
