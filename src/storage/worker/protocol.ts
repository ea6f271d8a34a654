// What crosses between the hub's thread and the store thread: a call of a Store method by name
// with its arguments, answered with the value or the error. Arguments and answers travel by
// structured clone; errors do not keep their class that way, so they cross as plain objects
// and the ones the hub tells apart (the query refusals the HTTP layer answers 400 for) are
// rebuilt as their own classes on this side.
import { InvalidCursorError, QueryTooLargeError, type Store, TooManyWindowsError } from '../../core/store.js';

/** The Store methods the thread answers; everything the port has but its name and kind. */
export const STORE_METHODS = [
  'start',
  'stop',
  'health',
  'writeBatch',
  'queryRaw',
  'queryAggregate',
  'dropBucketsBefore',
  'pruneHistoryBefore',
  'loadDevices',
  'saveDevice',
  'saveDevices',
  'removeDevice',
  'latestReadings',
  'appendPresence',
  'presenceHistory',
  'saveCommand',
  'loadCommands',
  'putRecord',
  'getRecord',
  'deleteRecord',
  'listRecords',
] as const satisfies ReadonlyArray<keyof Store>;

export type StoreMethod = (typeof STORE_METHODS)[number];

export interface StoreCall {
  id: number;
  method: StoreMethod;
  args: unknown[];
}

export interface ThreadError {
  name: string;
  message: string;
  /** SQLite's result code (SQLITE_FULL, SQLITE_BUSY, ...) when the error is SQLite's. */
  code?: string;
  stack?: string;
  maxWindows?: number;
  samples?: number;
  maxSamples?: number;
}

export type StoreAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

/** What the thread is started with (workerData). */
export interface ThreadOptions {
  dataDir: string | null;
}

export function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { name, message, stack } = err;
  const extra = err as Error & Partial<Pick<ThreadError, 'code' | 'maxWindows' | 'samples' | 'maxSamples'>>;
  return {
    name,
    message,
    ...(stack !== undefined && { stack }),
    ...(typeof extra.code === 'string' && { code: extra.code }),
    ...(extra.maxWindows !== undefined && { maxWindows: extra.maxWindows }),
    ...(extra.samples !== undefined && { samples: extra.samples, maxSamples: extra.maxSamples }),
  };
}

export function fromThreadError(error: ThreadError): Error {
  if (error.name === 'InvalidCursorError') return new InvalidCursorError();
  if (error.name === 'TooManyWindowsError') return new TooManyWindowsError(error.maxWindows ?? 0);
  if (error.name === 'QueryTooLargeError') return new QueryTooLargeError(error.samples ?? 0, error.maxSamples ?? 0);
  const rebuilt = new Error(error.message) as Error & { code?: string };
  rebuilt.name = error.name;
  if (error.code !== undefined) rebuilt.code = error.code;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
