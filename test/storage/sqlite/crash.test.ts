// A store process SIGKILLed while it writes: between a write and its compaction, in the middle of
// either, or between two slices of a compaction pass. Reopened, the store must hold every reading it acked, none twice, with hour summaries
// that agree with the samples; resending everything then stores only what was missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HOUR_MS } from '../../../src/storage/buckets.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { tempDir } from '../../helpers/teardown.js';
import { CRASH_BATCH, CRASH_T0, crashBatch, crashIndex } from './crash-data.js';

const WRITER = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));

interface Kill {
  compactAt: number;
  compactSlice: number;
  killAfter: number;
  /** The writer kills itself between two slices of a pass, once it acked `killAfter` batches. */
  midPass?: boolean;
}

/** Runs the writer until it has acked `killAfter` batches, kills it, and returns the last batch it acked. */
async function writeUntilKilled(dir: string, { compactAt, compactSlice, killAfter, midPass }: Kill): Promise<number> {
  const args = [WRITER, dir, String(compactAt), String(compactSlice), ...(midPass ? [String(killAfter)] : [])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = -1;
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) acked = Math.max(acked, Number(line));
    if (acked + 1 >= killAfter && !midPass) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  assert.equal(signal, 'SIGKILL', `the writer ended on its own (exit ${code}) before batch ${killAfter}`);
  return acked;
}

async function checkStored(store: SqliteStore, acked: number, label: string): Promise<number> {
  const to = CRASH_T0 + ((CRASH_BATCH.count * CRASH_BATCH.size) / 4) * 1000 + HOUR_MS;
  const { readings } = await store.queryRaw({ deviceId: 'crash', from: CRASH_T0, to, limit: 1_000_000 });
  const seen = new Set<number>();
  for (const r of readings) {
    const k = crashIndex(r);
    assert.equal(r.value, k, `${label}: reading ${k} holds its own value`);
    assert.ok(!seen.has(k), `${label}: reading ${k} is stored twice`);
    seen.add(k);
  }
  for (let k = 0; k < (acked + 1) * CRASH_BATCH.size; k++) assert.ok(seen.has(k), `${label}: acked reading ${k} is lost`);
  // The hour summaries count and sum exactly the samples (integer values: sums are exact).
  const from = CRASH_T0 - (CRASH_T0 % HOUR_MS);
  for (const agg of ['count', 'sum'] as const) {
    const points = await store.queryAggregate({ deviceId: 'crash', from, to, everyMs: HOUR_MS, agg });
    const total = points.reduce((a, p) => a + p.value, 0);
    const want = agg === 'count' ? readings.length : readings.reduce((a, r) => a + r.value, 0);
    assert.equal(total, want, `${label}: the hours' ${agg} matches the samples`);
  }
  return readings.length;
}

const kills: Kill[] = [
  // Compacting every few batches, so a kill often lands in or just after a compaction.
  { compactAt: 3_500, compactSlice: 4_000, killAfter: 5 + Math.floor(Math.random() * 40) },
  { compactAt: 3_500, compactSlice: 4_000, killAfter: 5 + Math.floor(Math.random() * 40) },
  // Passes of several slices (about one hour each), killed between two of them.
  { compactAt: 3_500, compactSlice: 500, killAfter: 5 + Math.floor(Math.random() * 40), midPass: true },
  // The hub's own threshold: everything written since start waits in `appended`.
  { compactAt: 50_000, compactSlice: 4_000, killAfter: 5 + Math.floor(Math.random() * 40) },
];
for (const kill of kills) {
  const { compactAt, compactSlice, killAfter, midPass } = kill;
  const when = midPass ? 'between two slices of a pass, ' : '';
  test(`killed ${when}after ${killAfter} acked batches (compaction every ${compactAt} samples, slices of ${compactSlice}): nothing acked lost, nothing twice`, async (t) => {
    const dir = tempDir(t, 'sqlite-crash-');
    const acked = await writeUntilKilled(dir, kill);
    assert.ok(acked + 1 >= killAfter, `the writer acked ${acked + 1} batches`);

    const store = new SqliteStore(dir);
    await store.start();
    const stored = await checkStored(store, acked, 'after the kill');
    // Everything the writer may have sent, again: only the readings not stored go in.
    const resent = acked + 3;
    let inserted = 0;
    for (let n = 0; n <= resent; n++) inserted += (await store.writeBatch(crashBatch(n))).inserted;
    assert.equal(inserted + stored, (resent + 1) * CRASH_BATCH.size, 'each reading is stored once after the resend');
    await store.stop();

    const reopened = new SqliteStore(dir);
    await reopened.start();
    assert.equal(await checkStored(reopened, resent, 'reopened after the resend'), (resent + 1) * CRASH_BATCH.size);
    await reopened.stop();
  });
}
