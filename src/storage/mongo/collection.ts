// The part of the driver's Db and Collection the adapter uses, and nothing more. Keeping it this
// narrow keeps the adapter thin and lets the tests run it over an in-memory implementation whose
// queries, updates and pipelines are executed by mingo.
export type Doc = Record<string, unknown>;

/**
 * A client session, used for one thing: running a flush as a multi-document transaction. The
 * callback may run more than once (the driver retries it after a TransientTransactionError), so
 * it must not keep effects from an attempt that did not commit.
 */
export interface MongoSession {
  withTransaction<T>(fn: () => Promise<T>, options: TransactionSettings): Promise<T>;
  endSession(): Promise<void>;
}

/** What a flush transaction asks for; transactions.ts checks it against the driver's type. */
export interface TransactionSettings {
  readConcern: { level: 'snapshot' };
  writeConcern: { w: 'majority'; journal: true };
}

/**
 * Operations inside a transaction name its session; without it they would run outside it. `S` is
 * only there so connect.ts can check the interfaces with the driver's own ClientSession.
 */
export interface InSession<S = MongoSession> {
  session?: S;
}

export interface FindOptions<S = MongoSession> extends InSession<S> {
  projection?: Record<string, 0 | 1>;
  sort?: Record<string, 1 | -1>;
  limit?: number;
}

export interface BulkUpdate {
  updateOne: { filter: Doc; update: Doc; upsert?: boolean };
}

/** What find() returns: read all at once, or iterate (leaving the loop early closes the cursor). */
export interface DocCursor extends AsyncIterable<Doc> {
  toArray(): Promise<Doc[]>;
}

export interface IndexSpec {
  key: Record<string, 1 | -1>;
  name: string;
  unique?: boolean;
}

export interface MongoCollection<S = MongoSession> {
  createIndexes(indexes: IndexSpec[]): Promise<unknown>;
  bulkWrite(operations: BulkUpdate[], options: { ordered: boolean } & InSession<S>): Promise<unknown>;
  find(filter: Doc, options?: FindOptions<S>): DocCursor;
  findOne(filter: Doc): Promise<Doc | null>;
  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> };
  updateOne(filter: Doc, update: Doc, options?: { upsert?: boolean }): Promise<unknown>;
  replaceOne(filter: Doc, replacement: Doc, options: { upsert: boolean }): Promise<unknown>;
  insertOne(doc: Doc): Promise<unknown>;
  insertMany(docs: Doc[], options: { ordered: boolean }): Promise<unknown>;
  deleteOne(filter: Doc): Promise<{ deletedCount: number }>;
  deleteMany(filter: Doc): Promise<{ deletedCount: number }>;
}

export interface MongoDatabase<S = MongoSession> {
  collection(name: string): MongoCollection<S>;
  command(command: Doc): Promise<unknown>;
}

/** An open connection: the database to use, sessions for transactions, and how to let go of it. */
export interface MongoConnection {
  db: MongoDatabase;
  startSession(): MongoSession;
  close(): Promise<void>;
}

/** Numbers come back as int32, double or, for large integer sums, Int64; the hub works in doubles. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object' && 'toNumber' in value) return (value as { toNumber(): number }).toNumber();
  return Number(value);
}
