// One SSE client: its filter and a bounded queue. Writes go straight to the response; while the
// client does not drain, Node keeps them buffered, and once more than `queueLimit` events wait
// the client is cut off with a reason, so a slow reader never holds memory or the other clients.
// It reconnects with Last-Event-ID and resumes from the history. A resume is read from the log
// a page at a time and written only while the response takes it (continuing on 'drain'), so a
// replay of the whole history holds no more than a live client may; live events meanwhile wait
// in the log, where the replay reaches them. The SSE framing is below.
import type { LiveEvent, Resume } from './event-log.js';
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
  /** Bytes written but not yet taken by the network. */
  readonly writableLength?: number;
}

/** Where a resuming client reads what it missed (the live event log). */
export interface ReplaySource {
  page(lastId: number, max: number): Resume;
}

export class SseClient {
  private congested = false;
  private waiting = 0;
  private closed = false;
  /** While replaying: the id of the last history event dealt with; null once the client is live. */
  private replayCursor: number | null = null;

  constructor(
    private readonly res: SseResponse,
    readonly filter: LiveFilter,
    private readonly queueLimit: number,
    private readonly history: ReplaySource,
    private readonly onClose: (client: SseClient, reason: string | null) => void,
  ) {}

  /** Wires the response's events; call once right after construction. */
  attach(): void {
    this.res.on('drain', () => {
      this.congested = false;
      this.waiting = 0;
      this.replay();
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

  get isReplaying(): boolean {
    return this.replayCursor !== null;
  }

  /** Bytes this client's response holds that the network has not taken yet. */
  get bufferedBytes(): number {
    return this.res.writableLength ?? 0;
  }

  /**
   * Sends what the client missed after `lastEventId`, then live events. An id older than the
   * history (or one that fell out of it while the client read slowly) gets a `reset` naming the
   * oldest kept id, then the kept events from there.
   */
  resume(lastEventId: number): void {
    this.replayCursor = lastEventId;
    this.replay();
  }

  /**
   * Sends a live event if the filter wants it; `sharedFrame` is the unfiltered frame, built once
   * for all clients. A client still replaying skips it: the log holds it and the replay gets there.
   */
  offer(event: LiveEvent, sharedFrame: () => string): void {
    if (this.replayCursor !== null) return;
    this.send(event, sharedFrame, true);
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

  /** Writes history pages until the response is full ('drain' calls again) or the log is read. */
  private replay(): void {
    while (this.replayCursor !== null && !this.closed && !this.congested) {
      const page = this.history.page(this.replayCursor, this.queueLimit);
      if ('reset' in page) {
        this.replayCursor = page.reset.oldestId - 1;
        // The id before the oldest kept one: a client that reconnects after this resumes cleanly.
        this.write(sseEvent(this.replayCursor, 'reset', JSON.stringify(page.reset)), false);
      }
      if (page.events.length === 0) {
        this.replayCursor = null; // caught up: from here on live events come through offer()
        return;
      }
      for (const event of page.events) {
        this.replayCursor = event.id;
        this.send(event, () => eventFrame(event), false);
        if (this.congested || this.closed) return;
      }
    }
  }

  private send(event: LiveEvent, sharedFrame: () => string, counts: boolean): void {
    const data = select(this.filter, event);
    if (data === null) return;
    this.write(data === event.data ? sharedFrame() : sseEvent(event.id, event.type, JSON.stringify(data)), counts);
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

/** A logged event's frame, with its id, type and unfiltered data. */
export function eventFrame(event: LiveEvent): string {
  return sseEvent(event.id, event.type, JSON.stringify(event.data));
}

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
