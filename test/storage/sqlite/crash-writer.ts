// A writer process for crash.test.ts: writes numbered batches into a SQLite store and prints each
// batch's number once writeBatch has resolved (what the hub would ack), until it is killed.
// Batch n holds readings n * SIZE .. (n + 1) * SIZE - 1 (crashReading) and repeats the last
// REPEAT of the batch before, as a device resending what it was not sure of. Given a batch count
// `killMidPass`, it kills itself once it has acked that many batches and a compaction pass is
// under way (a slice committed, more to come), so the kill lands between slices.
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { CRASH_BATCH, crashBatch } from './crash-data.js';

const [dir, compactAt, compactSlice, killMidPass] = process.argv.slice(2);
// Slices at the next turn (no gap): this writer counts turns to land a kill between two of them.
const store = new SqliteStore(dir!, { compactAt: Number(compactAt), compactSlice: Number(compactSlice), compactGapMs: 0 });
await store.start();
for (let n = 0; n < CRASH_BATCH.count; n++) {
  await store.writeBatch(crashBatch(n));
  process.stdout.write(`${n}\n`);
  // Lets the store's compaction (an immediate after a write) run between writes, as under ingest.
  await new Promise((resolve) => setImmediate(resolve));
  if (killMidPass !== undefined && n + 1 >= Number(killMidPass) && store.compacting) process.kill(process.pid, 'SIGKILL');
}
await store.stop();
