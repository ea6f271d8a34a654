// Emulation of client sessions and multi-document transactions for the in-memory database in
// mingo-db.ts. Nothing here is executed by mingo or by a server: no MongoDB can run on this
// machine, so what the adapter relies on is written out, kept small and only as strict as the
// tests need:
//
// - A transaction works on private copies of the collections it touches, taken at first touch;
//   its reads see its own writes and nobody else sees them before commit.
// - Commit publishes the copies. If a touched collection was changed by anyone else after the
//   transaction began, commit fails with a WriteConflict labelled TransientTransactionError
//   instead (coarser than the server, which compares documents, not collections).
// - An error thrown by the callback or by commit aborts: the copies are dropped, so the
//   collections are exactly as before. A process that dies before commit leaves the same state
//   (the server aborts a transaction whose session is gone); `crashBeforeCommit` emulates it.
// - withTransaction retries the whole callback after an error labelled TransientTransactionError,
//   as the driver does; the driver keeps trying for 120 s, this stand-in for a fixed number of
//   attempts, so a test can also see a conflict that outlasts the retries.
import type { Doc, MongoSession, TransactionSettings } from '../../../src/storage/mongo/collection.js';

/** How many times the emulated withTransaction runs the callback before giving up. */
export const TRANSACTION_ATTEMPTS = 3;

/** The part of a collection a session reads and writes: the live documents or a snapshot. */
export interface DocView {
  docs: Doc[];
}

export interface TransactionalCollection extends DocView {
  /** The database clock at this collection's last change. */
  version: number;
}

/** What the sessions need from their database. */
export interface SessionHost {
  readonly reachable: boolean;
  /** Advanced by every change to any collection (see `version`). */
  clock: number;
  /** The next commit never happens: the process "dies" just before it. */
  crashBeforeCommit: boolean;
  /** The next commit is applied but its reply is lost (and the driver's commit retries fail too). */
  loseNextCommitReply: boolean;
  /** The options of every transaction started, for tests to check the write concern. */
  readonly transactions: TransactionSettings[];
}

/** Thrown where the process would have died; nothing after it runs in a real crash. */
export class ProcessCrash extends Error {
  constructor() {
    super('process killed before commitTransaction (simulated crash)');
  }
}

/** An error with MongoDB's error labels, as the driver reports them (`hasErrorLabel`). */
export function labelled(message: string, label: string, code?: number): Error {
  const labels = [label];
  return Object.assign(new Error(message), { code, errorLabels: labels, hasErrorLabel: (l: string) => labels.includes(l) });
}

export function hasLabel(err: unknown, label: string): boolean {
  return Array.isArray((err as { errorLabels?: unknown })?.errorLabels) && (err as { errorLabels: string[] }).errorLabels.includes(label);
}

export class MingoSession implements MongoSession {
  private transaction: Map<TransactionalCollection, DocView> | null = null;
  private startedAt = 0;
  private ended = false;

  constructor(private readonly host: SessionHost) {}

  get inTransaction(): boolean {
    return this.transaction !== null;
  }

  /** Where an operation naming this session reads and writes `collection`. */
  viewOf(collection: TransactionalCollection): DocView {
    if (this.ended) throw new Error('Cannot use a session that has ended');
    if (!this.transaction) return collection;
    let snapshot = this.transaction.get(collection);
    if (!snapshot) this.transaction.set(collection, (snapshot = { docs: structuredClone(collection.docs) }));
    return snapshot;
  }

  async withTransaction<T>(fn: () => Promise<T>, options: TransactionSettings): Promise<T> {
    this.host.transactions.push(options);
    for (let attempt = 1; ; attempt++) {
      this.transaction = new Map();
      this.startedAt = this.host.clock;
      try {
        const result = await fn();
        this.commit();
        return result;
      } catch (err) {
        if (hasLabel(err, 'TransientTransactionError') && attempt < TRANSACTION_ATTEMPTS) continue;
        throw err;
      } finally {
        this.transaction = null; // committed or aborted: the snapshots go either way
      }
    }
  }

  async endSession(): Promise<void> {
    this.ended = true;
    this.transaction = null;
  }

  private commit(): void {
    const touched = this.transaction!;
    if (this.host.crashBeforeCommit) {
      this.host.crashBeforeCommit = false;
      throw new ProcessCrash();
    }
    if (!this.host.reachable) throw new Error('server selection timed out during commitTransaction (simulated outage)');
    for (const [collection] of touched) {
      if (collection.version > this.startedAt) {
        throw labelled('WriteConflict: the collection changed since the transaction began (simulated)', 'TransientTransactionError', 112);
      }
    }
    const now = ++this.host.clock;
    for (const [collection, snapshot] of touched) {
      collection.docs = snapshot.docs;
      collection.version = now;
    }
    if (this.host.loseNextCommitReply) {
      this.host.loseNextCommitReply = false;
      throw labelled('connection closed before the commitTransaction reply (simulated)', 'UnknownTransactionCommitResult');
    }
  }
}
