// The live event log: every bus event a client may watch (readings, presence, commands, device
// changes, alerts, and refusals as refusal-feed.ts passes them on) gets an id and is kept in a bounded ring (by count and by age), so a client that
// reconnects with the last id it saw receives exactly what it missed, or an explicit `reset`
// when that id is older than what is kept. Ids start at the hub's start time in microseconds,
// so a restarted hub never reuses the ids an earlier run handed out.
import type { EventBus } from '../core/events.js';
import type { Command, Device, PresenceChange } from '../core/model.js';
import type { Refusal } from '../core/refusals.js';
import type { Alert, AlertState } from '../core/alerts/alert.js';

export type LiveEventType = 'reading' | 'presence' | 'command' | 'device' | 'deviceRemoved' | 'refusal' | 'alert';
export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['reading', 'presence', 'command', 'device', 'deviceRemoved', 'refusal', 'alert'];

/** A reading as live clients receive it: its device is the event's. */
export interface LiveReading {
  metric: string;
  ts: number;
  value: number;
}

/**
 * A reading event's data, kept compact: the log holds thousands of events, and every object it
 * holds is copied by each young-generation collection until it is promoted, so a message's readings
 * are kept as their metric names (the strings ingest already holds) and one array of numbers, not
 * as an object each. `readings` and the JSON form (SSE, long-poll) are built when asked.
 */
export class ReadingEventData {
  private readonly metrics: string[];
  /** Per reading: its time, then its value. */
  private readonly numbers: Float64Array;

  constructor(
    readonly deviceId: string,
    readings: ReadonlyArray<LiveReading>,
  ) {
    this.metrics = new Array<string>(readings.length);
    this.numbers = new Float64Array(2 * readings.length);
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i]!;
      this.metrics[i] = r.metric;
      this.numbers[2 * i] = r.ts;
      this.numbers[2 * i + 1] = r.value;
    }
  }

  get readings(): LiveReading[] {
    const out = new Array<LiveReading>(this.metrics.length);
    for (let i = 0; i < out.length; i++) out[i] = { metric: this.metrics[i]!, ts: this.numbers[2 * i]!, value: this.numbers[2 * i + 1]! };
    return out;
  }

  toJSON(): { deviceId: string; readings: LiveReading[] } {
    return { deviceId: this.deviceId, readings: this.readings };
  }
}

/** A device's latest refusal: when it was refused (hub time), and how many refusals it had so far. */
export interface RefusalEventData extends Refusal {
  deviceId: string;
  /** The transport or stage that refused it ("mqtt", "line", ...). */
  source: string;
  ts: number;
  count: number;
}

/** An alert's transition (or acknowledgement), with the alert as it stands after it. */
export interface AlertEventData {
  transition: AlertState | 'acknowledged';
  alert: Alert;
}

/** A device an admin removed: dashboards drop it. */
export interface DeviceRemovedEventData {
  id: string;
}

export type LiveEventData =
  | ReadingEventData
  | PresenceChange
  | Command
  | Device
  | DeviceRemovedEventData
  | RefusalEventData
  | AlertEventData;

export interface LiveEvent {
  id: number;
  type: LiveEventType;
  data: LiveEventData;
  deviceId: string;
  /** When the hub logged it (for the age bound), not the device's timestamp. */
  at: number;
}

/** What a client that resumes after `lastId` gets: the events it missed, or a reset. */
export type Resume = { events: LiveEvent[] } | { reset: { oldestId: number }; events: LiveEvent[] };

export interface EventLogOptions {
  maxEvents: number;
  maxAgeMs: number;
  clock?: () => number;
}

export class LiveEventLog {
  private ring: LiveEvent[] = [];
  /** Index of the oldest kept event in `ring`; trimming advances it and compacts now and then. */
  private head = 0;
  private nextId = 0;
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly bus: EventBus,
    private readonly options: EventLogOptions,
  ) {}

  start(): void {
    this.nextId = this.now() * 1000;
    this.unsubscribe = [
      this.bus.on('readings', ({ deviceId, readings }) => this.append('reading', deviceId, new ReadingEventData(deviceId, readings))),
      this.bus.on('presence', (change) => this.append('presence', change.deviceId, change)),
      this.bus.on('command', (command) => this.append('command', command.deviceId, command)),
      this.bus.on('device', (device) => this.append('device', device.id, device)),
      this.bus.on('deviceRemoved', ({ id }) => this.append('deviceRemoved', id, { id })),
      this.bus.on('alert', ({ alert, transition }) => this.append('alert', alert.deviceId, { transition, alert })),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.listeners.clear();
  }

  /** Called synchronously for every new event, in id order. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The id of the newest event handed out, or the one before the first when none was yet. */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** Oldest id still kept; when nothing is kept, the id the next event will get. */
  get oldestId(): number {
    this.trimByAge();
    return this.head < this.ring.length ? this.ring[this.head].id : this.nextId;
  }

  get size(): number {
    return this.ring.length - this.head;
  }

  /** Events after `lastId`. An id older than the history, or one this hub never handed out, is a reset. */
  since(lastId: number): Resume {
    return this.page(lastId, Number.POSITIVE_INFINITY);
  }

  /**
   * At most `max` events after `lastId` (after a reset, the oldest kept ones): how resuming
   * clients read the history in bounded steps. The next page starts after the last event returned.
   */
  page(lastId: number, max: number): Resume {
    const oldestId = this.oldestId;
    if (lastId < oldestId - 1 || lastId > this.lastId) return { reset: { oldestId }, events: this.ring.slice(this.head, this.head + max) };
    // Ids are consecutive, so the position of lastId+1 is a subtraction away.
    const start = this.head + (lastId + 1 - oldestId);
    return { events: this.ring.slice(start, start + max) };
  }

  /** Logs an event that does not come straight from the bus (refusals come throttled). */
  append(type: LiveEventType, deviceId: string, data: LiveEventData): void {
    const event: LiveEvent = { id: this.nextId++, type, data, deviceId, at: this.now() };
    this.ring.push(event);
    this.trimBySize();
    this.trimByAge();
    // A listener may unsubscribe (a client that closes) while the event is handed out.
    if (this.listeners.size === 1) for (const listener of this.listeners) listener(event);
    else if (this.listeners.size > 1) for (const listener of [...this.listeners]) listener(event);
  }

  private trimBySize(): void {
    const excess = this.size - this.options.maxEvents;
    if (excess > 0) this.advance(excess);
  }

  private trimByAge(): void {
    const cutoff = this.now() - this.options.maxAgeMs;
    let drop = 0;
    while (this.head + drop < this.ring.length && this.ring[this.head + drop].at < cutoff) drop++;
    if (drop > 0) this.advance(drop);
  }

  private advance(count: number): void {
    this.head += count;
    // Compact once the dead prefix outweighs the live part, so trimming stays O(1) amortised.
    if (this.head > 1024 && this.head > this.ring.length / 2) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
