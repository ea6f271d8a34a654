// An in-memory stand-in for a MongoDB database, for machines where no MongoDB server can run
// (ours: the server is not packaged for Debian and nothing may be downloaded). It implements only
// the narrow MongoCollection interface the adapter uses; every filter, update document, sort,
// projection and aggregation pipeline the adapter sends is executed by mingo, an independent
// implementation of MongoDB's query language. What is emulated here and not by mingo is written
// out below and kept small: upsert seeding (equality fields of the filter, as the server does),
// unique indexes (E11000), _id assignment, and copying documents in and out like a wire would.
import { Query, aggregate, find, update } from 'mingo';
import type {
  BulkUpdate, Doc, DocCursor, FindOptions, IndexSpec, MongoCollection, MongoConnection, MongoDatabase,
} from '../../../src/storage/mongo/collection.js';

export class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(index: string) {
    super(`E11000 duplicate key error index: ${index}`);
  }
}

export class MingoCollection implements MongoCollection {
  docs: Doc[] = [];
  readonly sent: Array<{ op: string; args: unknown[] }> = [];
  private readonly unique: IndexSpec[] = [{ key: { _id: 1 }, name: '_id_', unique: true }];
  private nextId = 1;
  /** When set, bulkWrite applies its operations and then throws, as if the reply were lost. */
  loseNextBulkReply = false;

  constructor(private readonly reachable: () => boolean = () => true) {}

  async createIndexes(indexes: IndexSpec[]): Promise<unknown> {
    this.checkReachable();
    for (const index of indexes) if (index.unique && !this.unique.some((u) => u.name === index.name)) this.unique.push(index);
    return indexes.map((i) => i.name);
  }

  async bulkWrite(operations: BulkUpdate[], options: { ordered: boolean }): Promise<unknown> {
    this.checkReachable();
    this.sent.push({ op: 'bulkWrite', args: [operations, options] });
    const errors: unknown[] = [];
    for (const { updateOne } of operations) {
      try {
        this.applyUpdate(updateOne.filter, updateOne.update, updateOne.upsert === true);
      } catch (err) {
        if (options.ordered) throw err;
        errors.push(err);
      }
    }
    if (errors.length > 0) throw Object.assign(new Error(`bulk write had ${errors.length} errors`), { code: 11000, writeErrors: errors });
    if (this.loseNextBulkReply) {
      this.loseNextBulkReply = false;
      throw new Error('connection closed before the reply (simulated)');
    }
    return { ok: 1 };
  }

  find(filter: Doc, options: FindOptions = {}): DocCursor {
    this.checkReachable();
    this.sent.push({ op: 'find', args: [filter, options] });
    let cursor = find(this.docs, filter, options.projection);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    const result = (cursor.all() as Doc[]).map((d) => structuredClone(d));
    return {
      toArray: async () => result,
      [Symbol.asyncIterator]: async function* () {
        yield* result;
      },
    };
  }

  async findOne(filter: Doc): Promise<Doc | null> {
    return this.find(filter, { limit: 1 }).toArray().then((docs) => docs[0] ?? null);
  }

  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> } {
    this.checkReachable();
    this.sent.push({ op: 'aggregate', args: [pipeline] });
    const result = aggregate(this.docs, pipeline) as Doc[];
    return { toArray: async () => structuredClone(result) };
  }

  async updateOne(filter: Doc, modifier: Doc, options: { upsert?: boolean } = {}): Promise<unknown> {
    this.checkReachable();
    this.sent.push({ op: 'updateOne', args: [filter, modifier, options] });
    this.applyUpdate(filter, modifier, options.upsert === true);
    return { acknowledged: true };
  }

  async replaceOne(filter: Doc, replacement: Doc, options: { upsert: boolean }): Promise<unknown> {
    this.checkReachable();
    this.sent.push({ op: 'replaceOne', args: [filter, replacement, options] });
    const index = this.docs.findIndex((d) => new Query(filter).test(d));
    if (index >= 0) this.commit({ ...structuredClone(replacement), _id: this.docs[index]._id }, index);
    else if (options.upsert) this.commit({ ...seedFrom(filter), ...structuredClone(replacement), _id: filter._id ?? this.nextId++ }, -1);
    return { acknowledged: true };
  }

  async insertOne(doc: Doc): Promise<unknown> {
    this.checkReachable();
    this.sent.push({ op: 'insertOne', args: [doc] });
    this.commit({ _id: this.nextId++, ...structuredClone(doc) }, -1);
    return { acknowledged: true };
  }

  async deleteOne(filter: Doc): Promise<{ deletedCount: number }> {
    this.checkReachable();
    const index = this.docs.findIndex((d) => new Query(filter).test(d));
    if (index >= 0) this.docs.splice(index, 1);
    return { deletedCount: index >= 0 ? 1 : 0 };
  }

  async deleteMany(filter: Doc): Promise<{ deletedCount: number }> {
    this.checkReachable();
    this.sent.push({ op: 'deleteMany', args: [filter] });
    const query = new Query(filter);
    const before = this.docs.length;
    this.docs = this.docs.filter((d) => !query.test(d));
    return { deletedCount: before - this.docs.length };
  }

  private checkReachable(): void {
    if (!this.reachable()) throw new Error('server selection timed out (simulated outage)');
  }

  private applyUpdate(filter: Doc, modifier: Doc, upsert: boolean): void {
    const index = this.docs.findIndex((d) => new Query(filter).test(d));
    if (index < 0 && !upsert) return;
    const doc = index >= 0 ? structuredClone(this.docs[index]) : { _id: this.nextId++, ...seedFrom(filter) };
    update(doc, structuredClone(modifier) as Parameters<typeof update>[1]);
    this.commit(doc, index);
  }

  /** Puts a document in place (index) or appends it (-1), refusing duplicates of a unique index. */
  private commit(written: Doc, index: number): void {
    // Through JSON, as through the wire: undefined fields vanish (the adapter's client sets ignoreUndefined).
    const doc = JSON.parse(JSON.stringify(written)) as Doc;
    for (const u of this.unique) {
      const fields = Object.keys(u.key);
      const clash = this.docs.some((other, i) => i !== index && fields.every((f) => sameValue(other[f], doc[f])));
      if (clash) throw new DuplicateKeyError(u.name);
    }
    if (index >= 0) this.docs[index] = doc;
    else this.docs.push(doc);
  }
}

/** As the server does for an upsert that matches nothing: the filter's plain equality fields. */
function seedFrom(filter: Doc): Doc {
  const seed: Doc = {};
  for (const [key, value] of Object.entries(filter)) {
    const isOperator = value !== null && typeof value === 'object' && Object.keys(value).some((k) => k.startsWith('$'));
    if (!key.startsWith('$') && !isOperator) seed[key] = structuredClone(value);
  }
  return seed;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class MingoDatabase implements MongoDatabase {
  readonly collections = new Map<string, MingoCollection>();
  reachable = true;

  collection(name: string): MingoCollection {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new MingoCollection(() => this.reachable)));
    return c;
  }

  async command(command: Doc): Promise<unknown> {
    if (!this.reachable) throw new Error('server selection timed out (simulated outage)');
    if (command.ping === 1) return { ok: 1 };
    throw new Error(`command not emulated: ${JSON.stringify(command)}`);
  }

  /** A connection over this database, for MongoStore's connect function. */
  connection(): MongoConnection {
    return { db: this, close: async () => {} };
  }
}
