// A writer process for crash.test.ts: writes numbered batches into a SQLite store and prints each
// batch's number once writeBatch has resolved (what the hub would ack), until it is killed.
// Batch n holds readings n * SIZE .. (n + 1) * SIZE - 1 (crashReading) and repeats the last
// REPEAT of the batch before, as a device resending what it was not sure of.
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { CRASH_BATCH, crashBatch } from './crash-data.js';

const [dir, compactAt] = process.argv.slice(2);
const store = new SqliteStore(dir!, { compactAt: Number(compactAt) });
await store.start();
for (let n = 0; n < CRASH_BATCH.count; n++) {
  await store.writeBatch(crashBatch(n));
  process.stdout.write(`${n}\n`);
  // Lets the store's compaction (an immediate after a write) run between writes, as under ingest.
  await new Promise((resolve) => setImmediate(resolve));
}
await store.stop();
