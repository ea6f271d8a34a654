// The embedded store: SQLite through better-sqlite3 in WAL mode. Calls are synchronous under the
// hood; the async Store interface lets the MongoDB adapter stand in unchanged.
//
// Durability: ingest acks a device once writeBatch resolves, so a commit must survive a power cut
// or an OS crash, not only a process crash. WAL with synchronous=FULL syncs the log on every
// commit; NORMAL would sync only at checkpoints and could lose acked batches.
//
// Writes append (bucket-writer.ts); compaction moves the appended samples into segments and hour
// summaries (compaction.ts): in slices between writes once COMPACT_AT samples wait, and at once
// before any read of readings (so queries only ever see segments and summaries), at start (what
// a crash left) and at stop.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { Command, CommandState, Device, PresenceChange, Reading } from '../../core/model.js';
import { HOUR_MS } from '../buckets.js';
import type {
  AggregatePoint,
  AggregateQuery,
  DeviceRemoved,
  HistoryPruned,
  RawPage,
  RawQuery,
  Store,
  StoreHealth,
  StoredDevice,
  WriteBatch,
  WriteResult,
} from '../../core/store.js';
import { SqliteCatalog } from './catalog.js';
import { BucketWriter, type WriteOutcome } from './bucket-writer.js';
import { Compaction } from './compaction.js';
import { SqliteQueries } from './queries.js';
import { migrate } from './migrate.js';
import { SCHEMA } from './schema.js';

/** Samples appended before a compaction is due: larger spreads a segment's rewrite over more writes. */
export const COMPACT_AT = 50_000;
/** Samples per compaction transaction: a write waits for one slice at most, a few ms. */
export const COMPACT_SLICE = 2_000;
/** The wait before each compaction slice, after the last write or slice, so a write due next goes first. */
export const COMPACT_GAP_MS = 5;

export interface SqliteStoreOptions {
  /**
   * FULL (the default) is what the hub runs with. NORMAL exists so the store benchmark can
   * measure what the sync per commit costs in the same run; it is not a setting of the hub.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Appended samples before a compaction is due (COMPACT_AT); tests lower it to compact often. */
  compactAt?: number;
  /** Samples per compaction transaction (COMPACT_SLICE); tests lower it to cut passes in many slices. */
  compactSlice?: number;
  /** The wait before each slice (COMPACT_GAP_MS); 0 runs slices at the next turn, as tests that count turns do. */
  compactGapMs?: number;
}

export class SqliteStore implements Store {
  readonly name = 'store';
  readonly kind = 'sqlite' as const;
  private db: Database | null = null;
  private writer!: BucketWriter;
  private queries!: SqliteQueries;
  private compaction!: Compaction;
  private catalog!: SqliteCatalog;

  /** `dataDir` null keeps everything in memory (tests of pure logic only). */
  constructor(
    private readonly dataDir: string | null,
    private readonly options: SqliteStoreOptions = {},
  ) {}

  async start(): Promise<void> {
    let file = ':memory:';
    if (this.dataDir !== null) {
      fs.mkdirSync(this.dataDir, { recursive: true });
      file = path.join(this.dataDir, 'telemetry.db');
    }
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    try {
      db.exec(SCHEMA);
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.writer = new BucketWriter(db);
    this.queries = new SqliteQueries(db);
    this.catalog = new SqliteCatalog(db);
    this.compaction = new Compaction(db, this.writer, {
      compactAt: this.options.compactAt ?? COMPACT_AT,
      sliceSamples: this.options.compactSlice ?? COMPACT_SLICE,
      gapMs: this.options.compactGapMs ?? COMPACT_GAP_MS,
      synchronous: this.options.synchronous ?? 'FULL',
    });
    // What a previous life appended and did not compact (it crashed, or its disk failed at stop).
    if (this.writer.recover() > 0) this.compaction.settle();
  }

  /** A compaction pass is under way: hours it took wait for their slice. */
  get compacting(): boolean {
    return this.compaction?.underWay ?? false;
  }

  async stop(): Promise<void> {
    this.compaction?.cancel();
    try {
      if (this.db) this.settle();
    } catch {
      // What stays appended is compacted at the next start.
    }
    this.statements.clear();
    this.db?.close();
    this.db = null;
  }

  /** The journal mode and synchronous level (0 OFF, 1 NORMAL, 2 FULL) this connection really runs with. */
  durability(): { journalMode: string; synchronous: number } {
    const db = this.open_();
    return {
      journalMode: db.pragma('journal_mode', { simple: true }) as string,
      synchronous: db.pragma('synchronous', { simple: true }) as number,
    };
  }

  async health(): Promise<StoreHealth> {
    if (!this.db) return { ok: false, kind: this.kind, detail: 'closed' };
    try {
      this.db.prepare('SELECT 1').get();
      return { ok: true, kind: this.kind };
    } catch (err) {
      return { ok: false, kind: this.kind, detail: (err as Error).message };
    }
  }

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    const db = this.open_();
    const setHead = this.statement('UPDATE devices SET stream_h = ? WHERE id = ?');
    const setSeen = this.statement('UPDATE devices SET last_seen = MAX(COALESCE(last_seen, 0), ?) WHERE id = ?');
    let written: WriteOutcome | null = null;
    const run = db.transaction(() => {
      written = this.writer.write(batch.readings);
      // One update per device, not per message: its last head in the batch and its latest time
      // are what the updates in batch order would leave behind.
      for (const [deviceId, h] of lastPerDevice(batch.heads, (x) => x.h)) setHead.run(h, deviceId);
      for (const [deviceId, ts] of lastPerDevice(batch.lastSeen, (x) => x.ts, Math.max)) setSeen.run(ts, deviceId);
    });
    try {
      run();
    } catch (err) {
      (written as WriteOutcome | null)?.abort();
      throw err;
    }
    const { inserted, commit } = written!;
    commit();
    this.compaction.afterWrite();
    return { inserted, duplicates: batch.readings.length - inserted };
  }

  async queryRaw(query: RawQuery): Promise<RawPage> {
    this.settle();
    return this.queries.raw(query);
  }

  async queryAggregate(query: AggregateQuery): Promise<AggregatePoint[]> {
    this.settle();
    return this.queries.aggregate(query);
  }

  async dropBucketsBefore(cutoff: number): Promise<number> {
    // Compared on `start` alone so the deletes walk the by-start indexes.
    this.settle();
    const lastStart = cutoff - HOUR_MS;
    const dropSegments = this.statement('DELETE FROM buckets WHERE start <= ?');
    const dropHours = this.statement('DELETE FROM hours WHERE start <= ?');
    const dropped = this.open_().transaction(() => {
      dropHours.run(lastStart);
      return dropSegments.run(lastStart).changes;
    })();
    this.writer.forget();
    return dropped;
  }

  async latestReadings(): Promise<Reading[]> {
    this.settle();
    // The newest hour of each series holds its newest reading as last_t/last_v; SQLite takes the
    // bare columns from the row that has MAX(start).
    const rows = this.statement(
      'SELECT device, metric, MAX(start) AS start, last_t, last_v FROM hours GROUP BY device, metric',
    ).all() as Array<{
      device: string;
      metric: string;
      last_t: number;
      last_v: number;
    }>;
    return rows.map((r) => ({ deviceId: r.device, metric: r.metric, ts: r.last_t, value: r.last_v }));
  }

  // Devices, presence, commands and records: plain rows, kept by the catalog.

  async pruneHistoryBefore(cutoff: number): Promise<HistoryPruned> {
    return this.catalog_().pruneHistoryBefore(cutoff);
  }

  async loadDevices(): Promise<StoredDevice[]> {
    return this.catalog_().loadDevices();
  }

  async saveDevice(device: Device): Promise<void> {
    this.catalog_().saveDevices([device]);
  }

  async saveDevices(devices: Device[]): Promise<void> {
    this.catalog_().saveDevices(devices);
  }

  async removeDevice(deviceId: string, options: { purge: boolean }): Promise<DeviceRemoved> {
    if (options.purge) this.settle();
    const removed = this.catalog_().removeDevice(deviceId, options.purge);
    // The writer remembers stored timestamps per hour; a purged hour must not look still full.
    if (options.purge) this.writer.forget();
    return removed;
  }

  async appendPresence(changes: PresenceChange[]): Promise<void> {
    this.catalog_().appendPresence(changes);
  }

  async presenceHistory(deviceId: string, limit: number): Promise<PresenceChange[]> {
    return this.catalog_().presenceHistory(deviceId, limit);
  }

  async saveCommand(command: Command): Promise<void> {
    this.catalog_().saveCommand(command);
  }

  async loadCommands(filter: { deviceId?: string; states?: CommandState[]; limit?: number }): Promise<Command[]> {
    return this.catalog_().loadCommands(filter);
  }

  async putRecord(kind: string, id: string, doc: Record<string, unknown>): Promise<void> {
    this.catalog_().putRecord(kind, id, doc);
  }

  async getRecord(kind: string, id: string): Promise<Record<string, unknown> | null> {
    return this.catalog_().getRecord(kind, id);
  }

  async deleteRecord(kind: string, id: string): Promise<boolean> {
    return this.catalog_().deleteRecord(kind, id);
  }

  async listRecords(kind: string): Promise<Array<{ id: string; doc: Record<string, unknown> }>> {
    return this.catalog_().listRecords(kind);
  }

  private readonly statements = new Map<string, Statement>();

  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.open_().prepare(sql)));
    return st;
  }

  /** Compacts what is appended, so segments and hour summaries hold every stored sample. */
  private settle(): void {
    this.open_();
    this.compaction.settle();
  }

  private catalog_(): SqliteCatalog {
    this.open_();
    return this.catalog;
  }

  private open_(): Database {
    if (!this.db) throw new Error('store is not open');
    return this.db;
  }
}

/** Per device, the value of its last entry, or of all its entries folded with `fold`. */
function lastPerDevice<E extends { deviceId: string }>(
  entries: readonly E[],
  value: (e: E) => number,
  fold: (a: number, b: number) => number = (_a, b) => b,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of entries) {
    const before = out.get(e.deviceId);
    out.set(e.deviceId, before === undefined ? value(e) : fold(before, value(e)));
  }
  return out;
}
