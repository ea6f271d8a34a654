// The one storage port: what the core needs of storage, declared here beside the core so the
// core depends on nothing outside it. The SQLite adapter (default) and the MongoDB adapter under
// storage/ implement it; the contract tests under test/storage run the same cases against both.
import type { Command, CommandState, Device, PresenceChange, Reading } from './model.js';
import type { Stage } from './stage.js';

/** A raw-page cursor that does not decode; the HTTP layer answers 400. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this hub issued');
    this.name = 'InvalidCursorError';
  }
}

/** An aggregate query whose answer would hold more windows than a hub answers at once; 400. */
export class TooManyWindowsError extends Error {
  constructor(readonly maxWindows: number) {
    super(`the answer would hold more than ${maxWindows} windows; choose a larger every or a shorter range`);
    this.name = 'TooManyWindowsError';
  }
}

/** An aggregate whose windows cut hour buckets would unpack more samples than one query may; 400. */
export class QueryTooLargeError extends Error {
  constructor(
    readonly samples: number,
    readonly maxSamples: number,
  ) {
    super(
      `this query would read ${samples} samples one by one, more than the ${maxSamples} one query may (HUB_QUERY_MAX_SAMPLES); choose an every that is a whole number of hours (or that holds whole hours), or a shorter range`,
    );
    this.name = 'QueryTooLargeError';
  }
}

/**
 * increase: how much a counter grew in the window (rises between consecutive samples, booked in
 * the later sample's window, the one from the last sample before the window included; a drop is
 * a reset, after which the new value is the rise); rate: increase per second of the window.
 */
export type Aggregation = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'first' | 'last' | 'increase' | 'rate';

export interface StreamHead {
  deviceId: string;
  /** Highest sequence number such that it and every one before it is durable. */
  h: number;
}

/** What one flush of the ingest pipeline makes durable, all or nothing. */
export interface WriteBatch {
  readings: Reading[];
  /** New stream heads; written in the same transaction as the readings they cover. */
  heads: StreamHead[];
  /** Latest time each device was heard from. */
  lastSeen: Array<{ deviceId: string; ts: number }>;
}

export interface WriteResult {
  /** Readings actually stored: duplicates (same device, metric and timestamp) are not counted. */
  inserted: number;
  duplicates: number;
}

export interface RawQuery {
  deviceId: string;
  metric?: string;
  from: number;
  /** Exclusive. */
  to: number;
  limit: number;
  cursor?: string;
}

export interface RawPage {
  readings: Reading[];
  /** Present when more readings match; pass it back as `cursor` for the next page. */
  nextCursor?: string;
}

export interface AggregateQuery {
  deviceId: string;
  metric?: string;
  from: number;
  to: number;
  /** Window length, windows aligned to multiples of it since the epoch; ignored when `boundaries` is given. */
  everyMs: number;
  /**
   * Explicit windows (calendar days, weeks, months in a time zone): ascending instants, window i is
   * [boundaries[i], boundaries[i + 1]); the first is at or before `from`, the last at or after `to`.
   */
  boundaries?: number[];
  agg: Aggregation;
  /** Most samples the query may unpack one by one (hours not answered from their summaries); past it QueryTooLargeError. */
  maxSamples?: number;
}

export interface AggregatePoint {
  metric: string;
  /** Start of the window, UTC milliseconds: a multiple of everyMs since the epoch, or one of the boundaries. */
  ts: number;
  value: number;
  count: number;
}

export interface StoredDevice extends Device {
  /** Stream head restored at start so a device resumes where the store left off. */
  streamH: number | null;
}

/** What one history prune removed. */
export interface HistoryPruned {
  /** Presence changes dropped. */
  presence: number;
  /** Finished commands (acked, failed, expired) dropped. */
  commands: number;
}

/** What removing a device deleted. */
export interface DeviceRemoved {
  /** Whether the registry held the device. */
  device: boolean;
  /** Bucket segments (readings) dropped; 0 without purge. */
  buckets: number;
  /** Presence changes dropped; 0 without purge. */
  presence: number;
  /** Commands dropped, whatever their state; 0 without purge. */
  commands: number;
}

export interface StoreHealth {
  ok: boolean;
  kind: 'sqlite' | 'mongodb';
  detail?: string;
}

/** A stage of its own: start() opens the database (and brings its schema up to date), stop() closes it. */
export interface Store extends Stage {
  readonly kind: 'sqlite' | 'mongodb';
  health(): Promise<StoreHealth>;

  writeBatch(batch: WriteBatch): Promise<WriteResult>;
  queryRaw(query: RawQuery): Promise<RawPage>;
  queryAggregate(query: AggregateQuery): Promise<AggregatePoint[]>;
  /** Drops whole buckets that ended before `cutoff`; returns how many were dropped. */
  dropBucketsBefore(cutoff: number): Promise<number>;
  /**
   * Deletes presence changes with `ts` before `cutoff` and finished commands (acked, failed,
   * expired) last updated before it. Queued and sent commands are never touched: the command
   * service reloads them at start and still has to expire or complete them.
   */
  pruneHistoryBefore(cutoff: number): Promise<HistoryPruned>;

  loadDevices(): Promise<StoredDevice[]>;
  saveDevice(device: Device): Promise<void>;
  /** saveDevice for each of `devices`, in one transaction where the store has them. */
  saveDevices(devices: Device[]): Promise<void>;
  /**
   * Deletes the device's registry entry and stream head; with `purge` also its readings, presence
   * history and commands. Keys and other records are the caller's (deleteRecord).
   */
  removeDevice(deviceId: string, options: { purge: boolean }): Promise<DeviceRemoved>;
  /** The newest stored reading of every (device, metric): what a restarted hub shows as latest values. */
  latestReadings(): Promise<Reading[]>;

  /** Stores `changes` in their order, all or nothing (one transaction where the store has them). */
  appendPresence(changes: PresenceChange[]): Promise<void>;
  presenceHistory(deviceId: string, limit: number): Promise<PresenceChange[]>;

  saveCommand(command: Command): Promise<void>;
  loadCommands(filter: { deviceId?: string; states?: CommandState[]; limit?: number }): Promise<Command[]>;

  /** Small named documents for credentials and tokens: `kind` is e.g. "device-key" or "api-token". */
  putRecord(kind: string, id: string, doc: Record<string, unknown>): Promise<void>;
  getRecord(kind: string, id: string): Promise<Record<string, unknown> | null>;
  deleteRecord(kind: string, id: string): Promise<boolean>;
  listRecords(kind: string): Promise<Array<{ id: string; doc: Record<string, unknown> }>>;
}
