// The live stage: owns the event log, the open SSE clients and the long-poll waiters. One
// heartbeat timer serves every SSE client; each new event is framed once and offered to every
// client, whose own bounded queue decides whether it keeps up.
import type { EventBus } from '../core/events.js';
import type { HubLogger } from '../core/logger.js';
import type { MetricsRegistry } from '../observability/prometheus.js';
import { CommandTracker } from './command-tracker.js';
import { LiveEventLog, type LiveEvent } from './event-log.js';
import type { LiveFilter } from './filter.js';
import { RefusalFeed } from './refusal-feed.js';
import { SseClient, sseComment, sseEvent, sseRetry, type SseResponse } from './sse-client.js';

export interface LiveOptions {
  heartbeatMs: number;
  historySize: number;
  historyAgeMs: number;
  clientQueue: number;
  /** Reconnect delay announced to SSE clients. */
  retryMs: number;
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
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly dropped;
  private readonly sent;
  private readonly refusals;

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
    registry.gauge('hub_live_clients', 'Open SSE streams.', () => this.clients.size);
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

  /**
   * Starts streaming to a response whose headers are written: `retry`, then what the client
   * missed since `lastEventId` (or a `reset` first when that is older than the history), then
   * live events. Replay and subscription happen in one synchronous step, so nothing falls between.
   */
  open(res: SseResponse, filter: LiveFilter, lastEventId: number | null, remote: string): SseClient {
    const client = new SseClient(res, filter, this.options.clientQueue, (c, reason) => {
      this.clients.delete(c);
      if (reason === null) return;
      this.dropped.inc({ reason: reason.startsWith('client too slow') ? 'slow' : 'other' });
      this.logger.warn({ remote, reason }, 'live client disconnected');
    });
    client.attach();
    client.write(sseRetry(this.options.retryMs), false);
    client.write(sseComment('telemetry-hub live stream'), false);
    if (lastEventId !== null) {
      const resume = this.events.since(lastEventId);
      if ('reset' in resume) {
        // The id before the oldest kept one: a client that reconnects after this resumes cleanly.
        client.write(sseEvent(resume.reset.oldestId - 1, 'reset', JSON.stringify(resume.reset)), false);
      }
      for (const event of resume.events) client.offer(event, () => frame(event), false);
    }
    if (!client.isClosed) this.clients.add(client);
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
    const sharedFrame = () => (shared ??= frame(event));
    for (const client of this.clients) client.offer(event, sharedFrame);
  }
}

function frame(event: LiveEvent): string {
  return sseEvent(event.id, event.type, JSON.stringify(event.data));
}
