// When the embedded store compacts (bucket-writer.ts): a pass starts soon after a write once
// `compactAt` samples wait, and moves the hours waiting at its start a slice at a time (about
// `sliceSamples` samples per transaction). Between slices the thread's queue runs, so a write that
// arrived meanwhile (a port message on the store thread, a promise callback in the hub's process)
// is committed and acked after one slice, not after the whole pass.
//
// Each slice waits `gapMs` after the last write or slice. Ingest sends its next write as soon as
// it hears the last one is durable (group commit), a millisecond or so later: started at once, the
// next slice would be there first, and under a steady feed every write would wait for a whole
// slice (up to 20 ms when its commit checkpoints), and a message that missed one write for two.
// With the gap the write goes first and a slice delays at most the write that arrives during it.
// A read, start and stop compact everything at once (settle()): queries only ever see segments
// and summaries.
//
// Compaction commits with synchronous=NORMAL: it stores no new sample, it moves samples from
// `appended` into segments and deletes them from `appended` in the same transaction. Unsynced, a
// power cut may lose the slice as a whole (WAL frames are checksummed in a chain, so recovery
// keeps a prefix of the commits), and then the samples are still in `appended`, compacted again
// at the next start. The next write's commit (FULL) syncs the log up to and including every
// slice before it, so no acked write ever depends on an unsynced slice.
//
// WAL checkpoints run in compaction commits only. SQLite checkpoints inside the COMMIT that takes
// the log past `wal_autocheckpoint` pages: it copies the log into the database file and syncs it
// before the commit returns (10–45 ms on the disk measured), so a write whose commit did that
// would be acked that much later. Compaction writes most of the log's pages anyway; its
// transactions run with the threshold at CHECKPOINT_PAGES, writes with WRITE_CHECKPOINT_PAGES,
// which bounds the log should no compaction come for long (a quiet hub); a steady feed compacts
// long before the log gets there. Durability does not depend on checkpoints: a commit with synchronous=FULL has
// synced the log before it returns, and a checkpoint cut short leaves its frames in the log,
// replayed at the next open.
import type { Database } from 'better-sqlite3';
import type { BucketWriter } from './bucket-writer.js';

/** The log's pages past which a compaction commit checkpoints (SQLite's default threshold). */
const CHECKPOINT_PAGES = 1_000;
/** The same for every other commit: a bound on the log, 40 MiB with 4 KiB pages. */
export const WRITE_CHECKPOINT_PAGES = 10_000;

export interface CompactionOptions {
  compactAt: number;
  sliceSamples: number;
  /** The wait before each slice, after the last write or slice; 0 runs it at the next turn. */
  gapMs: number;
  /** The connection's synchronous level, restored after each compaction transaction. */
  synchronous: 'FULL' | 'NORMAL';
}

export class Compaction {
  /** The hours the pass under way took at its start, and the index of the next one to move. */
  private pass: { keys: string[]; next: number } | null = null;
  private timer: { cancel(): void } | null = null;
  /** The next slice was moved back by a write already. */
  private deferred = false;

  constructor(
    private readonly db: Database,
    private readonly writer: BucketWriter,
    private readonly options: CompactionOptions,
  ) {
    db.pragma(`wal_autocheckpoint = ${WRITE_CHECKPOINT_PAGES}`);
  }

  /** A pass is under way: some hours it took still wait. */
  get underWay(): boolean {
    return this.pass !== null;
  }

  /** After a write committed: starts a pass when enough samples wait, or moves the next slice back once. */
  afterWrite(): void {
    if (this.pass) {
      // The next write is likely on its way: the slice waits another gap, but only once, so a
      // feed of back-to-back writes cannot hold compaction off for good.
      if (this.timer && !this.deferred) {
        this.deferred = true;
        this.schedule();
      }
      return;
    }
    if (this.writer.pendingSamples < this.options.compactAt) return;
    this.pass = { keys: this.writer.pendingHours(), next: 0 };
    this.schedule();
  }

  /** Compacts everything appended, in one transaction, ending any pass under way. */
  settle(): void {
    this.cancel();
    if (this.writer.pendingHourCount === 0) return;
    this.unsynced(() => this.writer.compact(this.writer.pendingHours()));
  }

  /** Ends the pass under way; what it did not move stays appended. */
  cancel(): void {
    this.timer?.cancel();
    this.timer = null;
    this.pass = null;
  }

  /** (Re)arms the next slice, `gapMs` from now. */
  private schedule(): void {
    this.timer?.cancel();
    const run = () => {
      this.timer = null;
      this.deferred = false;
      this.slice();
    };
    if (this.options.gapMs === 0) {
      const immediate = setImmediate(run);
      this.timer = { cancel: () => clearImmediate(immediate) };
    } else {
      const timeout = setTimeout(run, this.options.gapMs);
      this.timer = { cancel: () => clearTimeout(timeout) };
    }
  }

  private slice(): void {
    const pass = this.pass;
    if (!pass) return;
    try {
      pass.next = this.unsynced(() => this.writer.compact(pass.keys, pass.next, this.options.sliceSamples));
    } catch {
      // Left appended: the next write past compactAt or the next read compacts again, and a read
      // reports the failure.
      this.pass = null;
      return;
    }
    if (pass.next < pass.keys.length) this.schedule();
    else this.pass = null;
  }

  /** Runs a compaction transaction without a sync of its commit, checkpointing past CHECKPOINT_PAGES (see the top of this file). */
  private unsynced<T>(run: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    try {
      return run();
    } finally {
      this.db.pragma(`wal_autocheckpoint = ${WRITE_CHECKPOINT_PAGES}`);
      this.db.pragma(`synchronous = ${this.options.synchronous}`);
    }
  }
}
