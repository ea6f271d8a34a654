// One way for a transport to refuse what a device sent: count it under its code, tell the bus
// (the live stream shows it on the device), and log it with the detail. Every refusal is counted
// and reported, but the log gets only the first few of each device per window, so a noisy line
// or a misbehaving device cannot flood it. What the device itself is told (an MQTT error, an
// `err` frame) stays with the transport: only it knows the wire.
import type { EventBus } from '../core/events.js';
import type { HubLogger } from '../core/logger.js';
import type { TransportMetrics } from '../core/metrics.js';
import type { Refusal } from '../core/refusals.js';

export interface TransportRefusalsDeps {
  /** The transport, as counters and the bus name it ("mqtt", "line", ...). */
  source: string;
  /** The log line's message ("line frame refused"). */
  message: string;
  bus: EventBus;
  log: HubLogger;
  metrics?: TransportMetrics;
  clock?: () => number;
}

/** Devices whose log windows are remembered; past this the windows start afresh, so memory stays bounded. */
const MAX_LOGGED_DEVICES = 1_000;

export class TransportRefusals {
  private readonly throttles = new Map<string | null, LogThrottle>();

  constructor(private readonly deps: TransportRefusalsDeps) {}

  /** Counts, reports and logs a refusal; `fields` go to the log only (topic, seq, the damaged bytes). */
  refuse(deviceId: string | null, refusal: Refusal, fields: Record<string, unknown> = {}): void {
    this.deps.metrics?.frameRefused(this.deps.source, refusal.code);
    const topic = typeof fields.topic === 'string' ? { topic: fields.topic } : {};
    this.deps.bus.emit('refusal', { deviceId, source: this.deps.source, code: refusal.code, detail: refusal.detail, ...topic });
    this.log(deviceId, refusal, fields);
  }

  /** Only logs: for a refusal that another part (ingest) has already counted and reported. */
  log(deviceId: string | null, refusal: Refusal, fields: Record<string, unknown> = {}, message = this.deps.message): void {
    this.throttle(deviceId).warn({ deviceId, code: refusal.code, detail: refusal.detail, ...fields }, message);
  }

  private throttle(deviceId: string | null): LogThrottle {
    let throttle = this.throttles.get(deviceId);
    if (!throttle) {
      if (this.throttles.size >= MAX_LOGGED_DEVICES) this.throttles.clear();
      throttle = new LogThrottle(this.deps.log, undefined, this.deps.clock);
      this.throttles.set(deviceId, throttle);
    }
    return throttle;
  }
}

/**
 * The first few lines of each window go to the log in full; the first one after a window closes
 * also says how many were left out of that window.
 */
export class LogThrottle {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: HubLogger,
    private readonly options: { perWindow: number; windowMs: number } = { perWindow: 10, windowMs: 10_000 },
    private readonly clock: () => number = Date.now,
  ) {}

  warn(obj: object, msg: string): void {
    const now = this.clock();
    if (now - this.windowStart >= this.options.windowMs) {
      if (this.suppressed > 0)
        this.log.warn({ suppressed: this.suppressed, windowMs: this.options.windowMs }, `${msg}: ${this.suppressed} more not logged`);
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    this.inWindow += 1;
    if (this.inWindow <= this.options.perWindow) this.log.warn(obj, msg);
    else this.suppressed += 1;
  }
}
