// One flush of the ingest pipeline (readings, stream heads, last-seen times) is written as one
// MongoDB multi-document transaction, so a crash or a failed write between the readings and the
// heads leaves neither behind: a head is never missing for readings that were stored, and a
// device that resends after the failure gets every message written exactly once. This matters
// most for hub-stamped readings (no device timestamp), which get a new receive time on resend
// and so could not be recognised as duplicates by timestamp.
//
// Transactions need a replica set or a sharded cluster. A standalone server has none, and the hub
// refuses to start on one rather than fall back to two separate writes that would break its
// promise (what it acked is durable, nothing is stored twice). A single-node replica set is
// enough; docker-compose.yml runs one.
import type { TransactionOptions } from 'mongodb';
import type { MongoConnection, MongoDatabase, MongoSession, TransactionSettings } from './collection.js';

/**
 * Majority and journaled: the commit returns only once the flush is on disk on a majority of the
 * replica set, so the ack sent to devices after it cannot be rolled back by a failover. The driver
 * sends `journal` as `j: true`. Snapshot reads make the writer's look-up of stored timestamps see
 * one consistent state, the one the transaction's writes are checked against at commit.
 */
export const FLUSH_TRANSACTION = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority', journal: true },
} as const satisfies TransactionSettings & TransactionOptions;

export class MongoTransactionsUnsupportedError extends Error {
  constructor(detail: string) {
    super(
      `MongoDB named by MONGODB_URI is ${detail}, which has no multi-document transactions. ` +
        'The hub writes each flush (readings and stream heads) in one transaction so that what it acks is stored exactly once, ' +
        'and does not start without them. Run MongoDB as a replica set; a single-node one is enough ' +
        '(start mongod with --replSet rs0, run rs.initiate() once, add ?replicaSet=rs0 to MONGODB_URI; docker-compose.yml does this).',
    );
    this.name = 'MongoTransactionsUnsupportedError';
  }
}

/**
 * Fails unless the server is a replica set member (`setName`) or a mongos (`msg: "isdbgrid"`),
 * the deployments with transactions. Run once at start, after the connection is up.
 */
export async function requireTransactions(db: MongoDatabase): Promise<void> {
  const hello = (await db.command({ hello: 1 })) as { setName?: unknown; msg?: unknown };
  if (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') return;
  throw new MongoTransactionsUnsupportedError('a standalone server (its hello reply has no setName)');
}

/**
 * Runs `fn` as one transaction in a fresh session. `withTransaction` retries the whole callback
 * on a TransientTransactionError (a write conflict, a failover) and the commit on an unknown
 * commit result, within the driver's time limit; any other error, or running out of time, aborts
 * the transaction and rejects, and the ingest pipeline retries the batch later.
 */
export async function inTransaction<T>(
  connection: Pick<MongoConnection, 'startSession'>,
  fn: (session: MongoSession) => Promise<T>,
): Promise<T> {
  const session = connection.startSession();
  try {
    return await session.withTransaction(() => fn(session), FLUSH_TRANSACTION);
  } finally {
    await session.endSession();
  }
}
