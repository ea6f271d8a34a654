// The live stage: owns the event log, the open SSE clients and the caps on live connections
// (streams and long-polls). One heartbeat timer serves every SSE client; each new event is framed
// once and offered to every client, whose own bounded queue decides whether it keeps up.
import type { EventBus } from '../core/events.js';
import type { HubLogger } from '../core/logger.js';
import type { MetricsRegistry } from '../observability/prometheus.js';
import { CommandTracker } from './command-tracker.js';
import { ConnectionLimits, ConnectionRefused, type ConnectionOwner, type ConnectionSlot } from './connection-limits.js';
import { LiveEventLog, type LiveEvent } from './event-log.js';
import type { LiveFilter } from './filter.js';
import { RefusalFeed } from './refusal-feed.js';
import { eventFrame, SseClient, sseComment, sseRetry, type SseResponse } from './sse-client.js';

export interface LiveOptions {
  heartbeatMs: number;
  historySize: number;
  historyAgeMs: number;
  clientQueue: number;
  /** Reconnect delay announced to SSE clients. */
  retryMs: number;
  /** Open streams and long-polls one owner may hold, and all of them together. */
  maxConnectionsPerOwner: number;
  maxConnections: number;
  /** Whom a connection counts against: its API token, or its remote address (auth off). */
  connectionsBy: 'token' | 'address';
}

export class LiveService {
  readonly name = 'live';
  /** Every event a live client may watch, with ids, kept for clients that resume. */
  readonly events: LiveEventLog;
  /** Command states and request ids for the WebSocket control channel. */
  readonly commandTracker: CommandTracker;
  /** Device refusals, throttled per device before they enter the log. */
  private readonly refusalFeed: RefusalFeed;
  private readonly clients = new Set<SseClient>();
  private readonly limits: ConnectionLimits;
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly dropped;
  private readonly sent;
  private readonly refusals;
  private readonly capped;

  constructor(
    bus: EventBus,
    private readonly logger: HubLogger,
    registry: MetricsRegistry,
    readonly options: LiveOptions,
  ) {
    this.events = new LiveEventLog(bus, { maxEvents: options.historySize, maxAgeMs: options.historyAgeMs });
    this.commandTracker = new CommandTracker(bus);
    this.refusalFeed = new RefusalFeed(bus, (refusal) => this.events.append('refusal', refusal.deviceId, refusal));
    this.dropped = registry.counter('hub_live_clients_dropped_total', 'SSE clients the hub disconnected, by reason.');
    this.sent = registry.counter('hub_live_events_total', 'Events logged for live clients, by type.');
    this.refusals = registry.counter('hub_live_requests_refused_total', 'Stream and poll requests refused for bad parameters, by route.');
    this.limits = new ConnectionLimits({ perOwner: options.maxConnectionsPerOwner, total: options.maxConnections });
    this.capped = registry.counter(
      'hub_live_connections_refused_total',
      'Stream and poll requests refused with 429 because a connection cap was full, by route and reason (per_token, per_address, total).',
    );
    registry.gauge('hub_live_clients', 'Open SSE streams.', () => this.clients.size);
    registry.gauge(
      'hub_live_connections',
      'Open live connections (SSE streams and long-polls), as the caps count them.',
      () => this.limits.total,
    );
    registry.gauge(
      'hub_live_buffered_bytes',
      'Bytes written to SSE streams that their clients have not taken yet.',
      () => this.bufferedBytes,
    );
    registry.gauge('hub_live_history_events', 'Events kept for resuming clients.', () => this.events.size);
  }

  async start(): Promise<void> {
    this.events.start();
    this.commandTracker.start();
    this.refusalFeed.start();
    this.unsubscribe = this.events.subscribe((event) => this.fanOut(event));
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) client.heartbeat();
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    this.closeAll();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.unsubscribe?.();
    this.refusalFeed.stop();
    this.commandTracker.stop();
    this.events.stop();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Open streams and long-polls together. */
  get connectionCount(): number {
    return this.limits.total;
  }

  get bufferedBytes(): number {
    let bytes = 0;
    for (const client of this.clients) bytes += client.bufferedBytes;
    return bytes;
  }

  /**
   * Takes a live connection slot for a caller (its token id, or its address when auth is off);
   * a full cap throws the 429 for the route to answer, counted and logged here.
   */
  admit(route: string, tokenId: string | null, remote: string): ConnectionSlot {
    const owner: ConnectionOwner =
      this.options.connectionsBy === 'token' && tokenId !== null ? { kind: 'token', id: tokenId } : { kind: 'address', id: remote };
    try {
      return this.limits.admit(owner);
    } catch (err) {
      if (!(err instanceof ConnectionRefused)) throw err;
      this.capped.inc({ route, reason: err.cap });
      this.logger.warn({ route, remote, [owner.kind]: owner.id, reason: err.cap, limit: err.limit }, 'live connection refused');
      throw err;
    }
  }

  /**
   * Starts streaming to a response whose headers are written: `retry`, then what the client
   * missed since `lastEventId` (or a `reset` first when that is older than the history), then
   * live events. The slot is given back when the stream closes, for whatever reason.
   */
  open(res: SseResponse, filter: LiveFilter, lastEventId: number | null, remote: string, slot: ConnectionSlot): SseClient {
    const client = new SseClient(res, filter, this.options.clientQueue, this.events, (c, reason) => {
      slot.release();
      this.clients.delete(c);
      if (reason === null) return;
      this.dropped.inc({ reason: reason.startsWith('client too slow') ? 'slow' : 'other' });
      this.logger.warn({ remote, reason }, 'live client disconnected');
    });
    client.attach();
    client.write(sseRetry(this.options.retryMs), false);
    client.write(sseComment('telemetry-hub live stream'), false);
    if (client.isClosed) return client;
    this.clients.add(client);
    if (lastEventId !== null) client.resume(lastEventId);
    return client;
  }

  /** A stream or poll request with bad parameters: counted and logged here, answered 400 by the route. */
  refused(route: string, remote: string, reason: string): void {
    this.refusals.inc({ route });
    this.logger.info({ route, remote, reason }, 'live request refused');
  }

  /** Closes every stream (the hub stops); clients reconnect and resume later. */
  closeAll(): void {
    for (const client of [...this.clients]) client.end();
  }

  private fanOut(event: LiveEvent): void {
    this.sent.inc({ type: event.type });
    let shared: string | undefined;
    const sharedFrame = () => (shared ??= eventFrame(event));
    for (const client of this.clients) client.offer(event, sharedFrame);
  }
}
