// Loaded into the hub process by the scale benchmarks (NODE_OPTIONS="--expose-gc --import …"):
// on SIGUSR2 it collects garbage and writes process.memoryUsage() as JSON to BENCH_MEMORY_FILE,
// so the heap is read in the hub process itself, after a full GC. Nothing else changes.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEMORY_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    // Written aside and renamed, so the reader never sees half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    renameSync(`${file}.tmp`, file);
  });
}
