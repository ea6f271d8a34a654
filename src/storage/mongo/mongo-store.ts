// The MongoDB store, chosen when MONGODB_URI is set. A thin adapter: every filter, update
// document and pipeline comes from bucket-documents.ts and registry-documents.ts; this file only
// sends them and maps the answers back to the hub's types.
import type { Command, CommandState, Device, PresenceChange, Reading } from '../../core/model.js';
import type { HubLogger } from '../../core/logger.js';
import type {
  AggregatePoint,
  AggregateQuery,
  DeviceRemoved,
  RawPage,
  RawQuery,
  Store,
  StoreHealth,
  StoredDevice,
  WriteBatch,
  WriteResult,
} from '../../core/store.js';
import { BUCKETS, BUCKET_INDEXES, deviceBucketsFilter, latestReadingsPipeline, retentionFilter } from './bucket-documents.js';
import { MongoBucketWriter, type StagedWrite } from './bucket-writer.js';
import { toNumber, type Doc, type MongoCollection, type MongoConnection } from './collection.js';
import { connectWithRetry } from './connect.js';
import { MongoQueries } from './queries.js';
import { inTransaction, requireTransactions } from './transactions.js';
import {
  COMMANDS,
  DEVICES,
  PRESENCE,
  RECORDS,
  REGISTRY_INDEXES,
  commandReplacement,
  commandsQuery,
  deviceRemovalFilters,
  deviceUpsert,
  headUpdates,
  presenceChange,
  presenceDoc,
  presenceHistoryQuery,
  recordFilter,
  storedDevice,
  type DeviceDoc,
} from './registry-documents.js';
import { historyPruneFilters } from './registry-documents.js';
import type { HistoryPruned } from '../../core/store.js';

interface Open {
  connection: MongoConnection;
  buckets: MongoCollection;
  devices: MongoCollection;
  presence: MongoCollection;
  commands: MongoCollection;
  records: MongoCollection;
  writer: MongoBucketWriter;
  queries: MongoQueries;
}

export class MongoStore implements Store {
  readonly name = 'store';
  readonly kind = 'mongodb' as const;
  private open_: Open | null = null;
  /** Set while writes fail, so health() says degraded even when a ping gets through. */
  private lastWriteError: string | null = null;

  /** `connect` opens the connection; fromUri() gives the real one, tests hand in others. */
  constructor(private readonly connect: () => Promise<MongoConnection>) {}

  static fromUri(uri: string, options: { startTimeoutMs: number; databaseName?: string; log?: HubLogger }): MongoStore {
    return new MongoStore(() => connectWithRetry(uri, options));
  }

  async start(): Promise<void> {
    const connection = await this.connect();
    const collection = (name: string) => connection.db.collection(name);
    const buckets = collection(BUCKETS);
    try {
      await requireTransactions(connection.db);
      await buckets.createIndexes(BUCKET_INDEXES);
      for (const [name, indexes] of Object.entries(REGISTRY_INDEXES)) await collection(name).createIndexes(indexes);
    } catch (err) {
      await connection.close().catch(() => {});
      throw err;
    }
    this.open_ = {
      connection,
      buckets,
      devices: collection(DEVICES),
      presence: collection(PRESENCE),
      commands: collection(COMMANDS),
      records: collection(RECORDS),
      writer: new MongoBucketWriter(buckets),
      queries: new MongoQueries(buckets),
    };
  }

  async stop(): Promise<void> {
    const open = this.open_;
    this.open_ = null;
    await open?.connection.close();
  }

  async health(): Promise<StoreHealth> {
    if (!this.open_) return { ok: false, kind: this.kind, detail: 'closed' };
    try {
      await this.open_.connection.db.command({ ping: 1 });
    } catch (err) {
      return { ok: false, kind: this.kind, detail: `MongoDB unreachable: ${(err as Error).message}` };
    }
    if (this.lastWriteError !== null) return { ok: false, kind: this.kind, detail: `last write failed: ${this.lastWriteError}` };
    return { ok: true, kind: this.kind };
  }

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    const c = this.collections();
    const heads = headUpdates(batch);
    // Readings, heads and last-seen times commit together or not at all (see transactions.ts).
    // The callback may run again after a transient error; each attempt stages afresh.
    const last: { staged?: StagedWrite } = {};
    try {
      const result = await inTransaction(c.connection, async (session) => {
        last.staged?.drop();
        last.staged = await c.writer.stage(batch.readings, session);
        if (heads.length > 0)
          await c.devices.bulkWrite(
            heads.map((h) => ({ updateOne: h })),
            { ordered: false, session },
          );
        return last.staged.result;
      });
      last.staged?.keep();
      this.lastWriteError = null;
      return result;
    } catch (err) {
      last.staged?.drop();
      this.lastWriteError = (err as Error).message;
      throw err;
    }
  }

  async queryRaw(query: RawQuery): Promise<RawPage> {
    return this.collections().queries.raw(query);
  }

  async queryAggregate(query: AggregateQuery): Promise<AggregatePoint[]> {
    return this.collections().queries.aggregate(query);
  }

  async dropBucketsBefore(cutoff: number): Promise<number> {
    const c = this.collections();
    const { deletedCount } = await c.buckets.deleteMany(retentionFilter(cutoff));
    c.writer.forget();
    return deletedCount;
  }

  async pruneHistoryBefore(cutoff: number): Promise<HistoryPruned> {
    const c = this.collections();
    const filters = historyPruneFilters(cutoff);
    const presence = await c.presence.deleteMany(filters.presence);
    const commands = await c.commands.deleteMany(filters.commands);
    return { presence: presence.deletedCount, commands: commands.deletedCount };
  }

  async loadDevices(): Promise<StoredDevice[]> {
    const docs = await this.collections()
      .devices.find({}, { sort: { _id: 1 } })
      .toArray();
    return docs.map((d) => storedDevice(d as unknown as DeviceDoc));
  }

  async saveDevice(device: Device): Promise<void> {
    const { filter, update } = deviceUpsert(device);
    await this.collections().devices.updateOne(filter, update, { upsert: true });
  }

  async saveDevices(devices: Device[]): Promise<void> {
    if (devices.length === 0) return;
    const operations = devices.map((d) => ({ updateOne: { ...deviceUpsert(d), upsert: true } }));
    await this.collections().devices.bulkWrite(operations, { ordered: true });
  }

  async removeDevice(deviceId: string, options: { purge: boolean }): Promise<DeviceRemoved> {
    const c = this.collections();
    const filters = deviceRemovalFilters(deviceId);
    // The device document goes first: a purge cut short leaves history nobody lists, which a
    // second removal deletes, never a listed device without its readings.
    const device = (await c.devices.deleteOne(filters.device)).deletedCount > 0;
    if (!options.purge) return { device, buckets: 0, presence: 0, commands: 0 };
    const buckets = await c.buckets.deleteMany(deviceBucketsFilter(deviceId));
    c.writer.forget();
    const presence = await c.presence.deleteMany(filters.presence);
    const commands = await c.commands.deleteMany(filters.commands);
    return { device, buckets: buckets.deletedCount, presence: presence.deletedCount, commands: commands.deletedCount };
  }

  async latestReadings(): Promise<Reading[]> {
    const docs = await this.collections().buckets.aggregate(latestReadingsPipeline()).toArray();
    return docs.map((d) => {
      const key = d._id as { d: string; m: string };
      const last = d.l as { t: unknown; v: unknown };
      return { deviceId: key.d, metric: key.m, ts: toNumber(last.t), value: toNumber(last.v) };
    });
  }

  async appendPresence(changes: PresenceChange[]): Promise<void> {
    // Ordered, so the ObjectIds that break ties in the history follow the changes' order.
    if (changes.length > 0) await this.collections().presence.insertMany(changes.map(presenceDoc), { ordered: true });
  }

  async presenceHistory(deviceId: string, limit: number): Promise<PresenceChange[]> {
    const q = presenceHistoryQuery(deviceId, limit);
    const docs = await this.collections().presence.find(q.filter, { sort: q.sort, limit: q.limit }).toArray();
    return docs.map(presenceChange);
  }

  async saveCommand(command: Command): Promise<void> {
    const { filter, replacement } = commandReplacement(command);
    await this.collections().commands.replaceOne(filter, replacement, { upsert: true });
  }

  async loadCommands(filter: { deviceId?: string; states?: CommandState[]; limit?: number }): Promise<Command[]> {
    const q = commandsQuery(filter);
    const docs = await this.collections().commands.find(q.filter, { sort: q.sort, limit: q.limit }).toArray();
    return docs.map((d) => d.cmd as Command);
  }

  async putRecord(kind: string, id: string, doc: Record<string, unknown>): Promise<void> {
    await this.collections().records.updateOne(recordFilter(kind, id), { $set: { doc } }, { upsert: true });
  }

  async getRecord(kind: string, id: string): Promise<Record<string, unknown> | null> {
    const found = await this.collections().records.findOne(recordFilter(kind, id));
    return found ? (found.doc as Record<string, unknown>) : null;
  }

  async deleteRecord(kind: string, id: string): Promise<boolean> {
    return (await this.collections().records.deleteOne(recordFilter(kind, id))).deletedCount > 0;
  }

  async listRecords(kind: string): Promise<Array<{ id: string; doc: Record<string, unknown> }>> {
    const docs: Doc[] = await this.collections()
      .records.find({ k: kind }, { sort: { i: 1 } })
      .toArray();
    return docs.map((d) => ({ id: d.i as string, doc: d.doc as Record<string, unknown> }));
  }

  private collections(): Open {
    if (!this.open_) throw new Error('store is not open');
    return this.open_;
  }
}
