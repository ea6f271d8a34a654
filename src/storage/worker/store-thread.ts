// The store thread's entry: one SqliteStore, opened here, answering the calls of the hub's
// thread (worker-store.ts) in the order they come. SQLite's work, the fsync of every commit
// included, happens on this thread, so the hub's event loop goes on parsing, acking and pushing
// meanwhile. An answer is posted only once the call returned: for writeBatch, after the commit
// is durable.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { type PackedBatch, unpackBatch } from './batch-codec.js';
import { STORE_METHODS, type StoreAnswer, type StoreCall, type ThreadOptions, toThreadError } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('store-thread.ts runs as a worker thread of the hub');
const options = workerData as ThreadOptions;
const store = new SqliteStore(options.dataDir);
const methods: ReadonlySet<string> = new Set(STORE_METHODS);

port.on('message', (call: StoreCall) => {
  void answer(call).then((reply) => port.postMessage(reply));
});

async function answer({ id, method, args }: StoreCall): Promise<StoreAnswer> {
  try {
    if (!methods.has(method)) throw new Error(`the store thread has no method ${String(method)}`);
    // A batch comes packed (batch-codec.ts); every other call's arguments as they were.
    const input = method === 'writeBatch' ? [unpackBatch(args[0] as PackedBatch)] : args;
    const fn = store[method] as (...a: unknown[]) => Promise<unknown>;
    return { id, ok: true, value: await fn.apply(store, input) };
  } catch (err) {
    return { id, ok: false, error: toThreadError(err) };
  }
}
