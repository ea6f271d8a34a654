// An in-memory stand-in for a MongoDB database, for machines where no MongoDB server can run
// (ours: the server is not packaged for Debian and nothing may be downloaded). It implements only
// the narrow MongoCollection interface the adapter uses; every filter, update document, sort,
// projection and aggregation pipeline the adapter sends is executed by mingo, an independent
// implementation of MongoDB's query language. What is emulated here and not by mingo is written
// out below and kept small: upsert seeding (equality fields of the filter, as the server does),
// unique indexes (E11000), _id assignment, copying documents in and out like a wire would, the
// `hello` reply of each kind of deployment, and (in mingo-session.ts) sessions and transactions.
import { Query, aggregate, find, update } from 'mingo';
import type {
  BulkUpdate,
  Doc,
  DocCursor,
  FindOptions,
  InSession,
  IndexSpec,
  MongoCollection,
  MongoConnection,
  MongoDatabase,
  TransactionSettings,
} from '../../../src/storage/mongo/collection.js';
import { MingoSession, type DocView, type SessionHost, type TransactionalCollection } from './mingo-session.js';

export class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(index: string) {
    super(`E11000 duplicate key error index: ${index}`);
  }
}

export class MingoCollection implements MongoCollection, TransactionalCollection {
  docs: Doc[] = [];
  version = 0;
  readonly sent: Array<{ op: string; args: unknown[] }> = [];
  private readonly unique: IndexSpec[] = [{ key: { _id: 1 }, name: '_id_', unique: true }];
  private nextId = 1;
  private readonly faults = new Map<string, () => void>();

  constructor(
    private readonly reachable: () => boolean = () => true,
    private readonly tick: () => number = () => this.version + 1,
  ) {}

  /**
   * Runs `fault` once, just before the next `op` on this collection: it may throw (the operation
   * fails without effect) or change the collection (a concurrent writer).
   */
  inject(op: string, fault: () => void): void {
    this.faults.set(op, fault);
  }

  async createIndexes(indexes: IndexSpec[]): Promise<unknown> {
    if (!this.reachable()) throw new Error('server selection timed out (simulated outage)');
    for (const index of indexes) if (index.unique && !this.unique.some((u) => u.name === index.name)) this.unique.push(index);
    return indexes.map((i) => i.name);
  }

  async bulkWrite(operations: BulkUpdate[], options: { ordered: boolean } & InSession): Promise<unknown> {
    const view = this.enter('bulkWrite', [operations, options], options);
    const errors: unknown[] = [];
    for (const { updateOne } of operations) {
      try {
        this.applyUpdate(view, updateOne.filter, updateOne.update, updateOne.upsert === true);
      } catch (err) {
        if (options.ordered) throw err;
        errors.push(err);
      }
    }
    if (errors.length > 0) throw Object.assign(new Error(`bulk write had ${errors.length} errors`), { code: 11000, writeErrors: errors });
    return { ok: 1 };
  }

  find(filter: Doc, options: FindOptions = {}): DocCursor {
    const view = this.enter('find', [filter, options], options);
    let cursor = find(view.docs, filter, options.projection);
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
    return this.find(filter, { limit: 1 })
      .toArray()
      .then((docs) => docs[0] ?? null);
  }

  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> } {
    this.enter('aggregate', [pipeline]);
    const result = aggregate(this.docs, pipeline) as Doc[];
    return { toArray: async () => structuredClone(result) };
  }

  async updateOne(filter: Doc, modifier: Doc, options: { upsert?: boolean } = {}): Promise<unknown> {
    this.applyUpdate(this.enter('updateOne', [filter, modifier, options]), filter, modifier, options.upsert === true);
    return { acknowledged: true };
  }

  async replaceOne(filter: Doc, replacement: Doc, options: { upsert: boolean }): Promise<unknown> {
    const view = this.enter('replaceOne', [filter, replacement, options]);
    const index = view.docs.findIndex((d) => new Query(filter).test(d));
    if (index >= 0) this.commit(view, { ...structuredClone(replacement), _id: view.docs[index]._id }, index);
    else if (options.upsert)
      this.commit(view, { ...seedFrom(filter), ...structuredClone(replacement), _id: filter._id ?? this.nextId++ }, -1);
    return { acknowledged: true };
  }

  async insertOne(doc: Doc): Promise<unknown> {
    this.commit(this.enter('insertOne', [doc]), { _id: this.nextId++, ...structuredClone(doc) }, -1);
    return { acknowledged: true };
  }

  /** Ordered, as the adapter asks: documents go in one by one, in order, until one fails. */
  async insertMany(docs: Doc[], options: { ordered: boolean }): Promise<unknown> {
    const view = this.enter('insertMany', [docs, options]);
    for (const doc of docs) this.commit(view, { _id: this.nextId++, ...structuredClone(doc) }, -1);
    return { acknowledged: true, insertedCount: docs.length };
  }

  async deleteOne(filter: Doc): Promise<{ deletedCount: number }> {
    const view = this.enter('deleteOne', [filter]);
    const index = view.docs.findIndex((d) => new Query(filter).test(d));
    if (index >= 0) view.docs.splice(index, 1);
    this.changed(view);
    return { deletedCount: index >= 0 ? 1 : 0 };
  }

  async deleteMany(filter: Doc): Promise<{ deletedCount: number }> {
    const view = this.enter('deleteMany', [filter]);
    const query = new Query(filter);
    const before = view.docs.length;
    view.docs = view.docs.filter((d) => !query.test(d));
    this.changed(view);
    return { deletedCount: before - view.docs.length };
  }

  /**
   * Every operation starts here: fails while unreachable, logs what was sent, runs an injected
   * fault, and answers where to read and write (a transaction's snapshot or the live documents).
   */
  private enter(op: string, args: unknown[], options?: InSession): DocView {
    if (!this.reachable()) throw new Error('server selection timed out (simulated outage)');
    this.sent.push({ op, args });
    const fault = this.faults.get(op);
    this.faults.delete(op);
    fault?.();
    return options?.session ? (options.session as MingoSession).viewOf(this) : this;
  }

  /** A change outside a transaction: transactions that began before it conflict at commit. */
  private changed(view: DocView): void {
    if (view === this) this.version = this.tick();
  }

  private applyUpdate(view: DocView, filter: Doc, modifier: Doc, upsert: boolean): void {
    const index = view.docs.findIndex((d) => new Query(filter).test(d));
    if (index < 0 && !upsert) return;
    const doc = index >= 0 ? structuredClone(view.docs[index]) : { _id: this.nextId++, ...seedFrom(filter) };
    update(doc, structuredClone(modifier) as Parameters<typeof update>[1]);
    this.commit(view, doc, index);
  }

  /** Puts a document in place (index) or appends it (-1), refusing duplicates of a unique index. */
  private commit(view: DocView, written: Doc, index: number): void {
    // Through JSON, as through the wire: undefined fields vanish (the adapter's client sets ignoreUndefined).
    const doc = JSON.parse(JSON.stringify(written)) as Doc;
    for (const u of this.unique) {
      const fields = Object.keys(u.key);
      const clash = view.docs.some((other, i) => i !== index && fields.every((f) => sameValue(other[f], doc[f])));
      if (clash) throw new DuplicateKeyError(u.name);
    }
    if (index >= 0) view.docs[index] = doc;
    else view.docs.push(doc);
    this.changed(view);
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

/** What `hello` says: a replica set member, a standalone server, or a mongos. */
export type Topology = 'replicaSet' | 'standalone' | 'mongos';

export class MingoDatabase implements MongoDatabase, SessionHost {
  readonly collections = new Map<string, MingoCollection>();
  reachable = true;
  clock = 0;
  crashBeforeCommit = false;
  loseNextCommitReply = false;
  readonly transactions: TransactionSettings[] = [];
  readonly sessions: MingoSession[] = [];

  constructor(readonly topology: Topology = 'replicaSet') {}

  collection(name: string): MingoCollection {
    let c = this.collections.get(name);
    if (!c)
      this.collections.set(
        name,
        (c = new MingoCollection(
          () => this.reachable,
          () => ++this.clock,
        )),
      );
    return c;
  }

  async command(command: Doc): Promise<unknown> {
    if (!this.reachable) throw new Error('server selection timed out (simulated outage)');
    if (command.ping === 1) return { ok: 1 };
    if (command.hello === 1) {
      if (this.topology === 'replicaSet') return { isWritablePrimary: true, setName: 'rs0', ok: 1 };
      return this.topology === 'mongos' ? { isWritablePrimary: true, msg: 'isdbgrid', ok: 1 } : { isWritablePrimary: true, ok: 1 };
    }
    throw new Error(`command not emulated: ${JSON.stringify(command)}`);
  }

  /** A connection over this database, for MongoStore's connect function. */
  connection(): MongoConnection {
    return { db: this, startSession: () => this.startSession(), close: async () => {} };
  }

  startSession(): MingoSession {
    const session = new MingoSession(this);
    this.sessions.push(session);
    return session;
  }
}
