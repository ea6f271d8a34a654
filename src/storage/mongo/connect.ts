// Connecting to MongoDB at start: retry with backoff until a bound, then fail with an error that
// says where, for how long and why, without the password. At run time the driver reconnects by
// itself; the store reports the outage through health() and the ingest pipeline retries writes.
import { MongoClient, type ClientSession } from 'mongodb';
import type { HubLogger } from '../../core/logger.js';
import type { MongoConnection, MongoDatabase, MongoSession } from './collection.js';

/** How long one operation waits for a usable server before it fails (and ingest retries). */
const SERVER_SELECTION_TIMEOUT_MS = 2_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 5_000;
const DEFAULT_DATABASE = 'telemetry';

export class MongoUnreachableError extends Error {
  constructor(uri: string, startTimeoutMs: number, attempts: number, cause: unknown) {
    super(
      `MongoDB at ${redactUri(uri)} not reachable within ${startTimeoutMs / 1000} s (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}); ` +
        `last error: ${(cause as Error)?.message ?? String(cause)}. ` +
        'Check MONGODB_URI and that the server runs, or raise HUB_MONGODB_START_TIMEOUT_MS.',
    );
    this.name = 'MongoUnreachableError';
  }
}

export interface ConnectOptions {
  startTimeoutMs: number;
  /** Overrides the database named in the URI (default "telemetry" when the URI names none). */
  databaseName?: string;
  log?: HubLogger;
}

export async function connectWithRetry(uri: string, options: ConnectOptions): Promise<MongoConnection> {
  const deadline = Date.now() + options.startTimeoutMs;
  let delay = FIRST_RETRY_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    // ignoreUndefined: optional fields left undefined are omitted, not stored as null, as in SQLite's JSON.
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
      appName: 'telemetry-hub',
      ignoreUndefined: true,
    });
    try {
      await client.connect();
      const db = client.db(options.databaseName ?? databaseNameIn(uri) ?? DEFAULT_DATABASE);
      await db.command({ ping: 1 });
      // `satisfies` has the compiler check the narrow interfaces against the driver's own types;
      // the sessions the adapter hands back to the driver are the driver's own ClientSessions.
      const checked: MongoDatabase<ClientSession> = db satisfies MongoDatabase<ClientSession>;
      return { db: checked, startSession: () => client.startSession() satisfies MongoSession, close: () => client.close() };
    } catch (err) {
      await client.close().catch(() => {});
      const left = deadline - Date.now();
      if (left <= 0) throw new MongoUnreachableError(uri, options.startTimeoutMs, attempt, err);
      options.log?.warn({ attempt, retryInMs: Math.min(delay, left), err: (err as Error).message }, 'MongoDB not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

/** The database in the URI's path (`mongodb://host/telemetry?...`), if any. */
export function databaseNameIn(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(uri);
  return match ? decodeURIComponent(match[1]) : undefined;
}

/** The URI with any password replaced, for logs and errors. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^:/@]+):[^@/]*@/, '$1:***@');
}
