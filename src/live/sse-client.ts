// One SSE client: its filter and a bounded queue. Writes go straight to the response; while the
// client does not drain, Node keeps them buffered, and once more than `queueLimit` events wait
// the client is cut off with a reason, so a slow reader never holds memory or the other clients.
// It reconnects with Last-Event-ID and resumes from the history. The SSE framing is below.
import type { LiveEvent } from './event-log.js';
import { select, type LiveFilter } from './filter.js';

/** What is used of an HTTP/1.1 or HTTP/2 response. */
export interface SseResponse {
  write(chunk: string): boolean;
  end(): unknown;
  destroy(): unknown;
  on(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  /** Set on an HTTP/1.1 response whose connection is gone. */
  readonly destroyed?: boolean;
  /** The stream under an HTTP/2 response. */
  readonly stream?: { readonly destroyed: boolean };
}

export class SseClient {
  private congested = false;
  private waiting = 0;
  private closed = false;

  constructor(
    private readonly res: SseResponse,
    readonly filter: LiveFilter,
    private readonly queueLimit: number,
    private readonly onClose: (client: SseClient, reason: string | null) => void,
  ) {}

  /** Wires the response's events; call once right after construction. */
  attach(): void {
    this.res.on('drain', () => {
      this.congested = false;
      this.waiting = 0;
    });
    this.res.on('close', () => this.finish(null));
    this.res.on('error', () => this.finish(null));
    // A client that left while the request was still in its hooks (a token looked up in the
    // store) closed before these listeners existed; no 'close' would ever come for it.
    if (this.res.destroyed === true || this.res.stream?.destroyed === true) this.finish(null);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends the event if the filter wants it; `sharedFrame` is the unfiltered frame, built once for
   * all clients. A replay on connect does not count against the queue: the history bounds it.
   */
  offer(event: LiveEvent, sharedFrame: () => string, counts = true): void {
    const data = select(this.filter, event);
    if (data === null) return;
    this.write(data === event.data ? sharedFrame() : sseEvent(event.id, event.type, JSON.stringify(data)), counts);
  }

  heartbeat(): void {
    this.write(sseComment('heartbeat'), false);
  }

  write(chunk: string, counts = true): void {
    if (this.closed) return;
    if (this.congested && counts && ++this.waiting > this.queueLimit) {
      this.close(`client too slow: more than ${this.queueLimit} events waiting`);
      return;
    }
    if (!this.res.write(chunk)) this.congested = true;
  }

  /** Ends the stream from the hub's side; `reason` is logged and counted by the owner. */
  close(reason: string): void {
    if (this.closed) return;
    // A client that stopped reading would never take a graceful end: destroy the stream.
    this.finish(reason);
    this.res.destroy();
  }

  /** Ends the stream politely, for a hub that stops: the client reconnects later. */
  end(): void {
    if (this.closed) return;
    this.finish(null);
    this.res.end();
  }

  private finish(reason: string | null): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this, reason);
  }
}

// Framing (WHATWG HTML, "Server-sent events"): a field per line, a blank line ends an event.
// Data that spans lines becomes one `data:` field per line, which the client joins
// with "\n"; ids and event names must not contain line breaks, so they are stripped.
const LINE_BREAK = /\r\n|\r|\n/;

export function sseEvent(id: number | null, type: string, data: string): string {
  let frame = id === null ? '' : `id: ${id}\n`;
  frame += `event: ${oneLine(type)}\n`;
  for (const line of data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** A comment line: ignored by clients, but it keeps proxies and NAT tables from idling out. */
export function sseComment(text: string): string {
  return `: ${oneLine(text)}\n\n`;
}

/** Tells the client how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
