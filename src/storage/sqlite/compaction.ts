// When the embedded store compacts (bucket-writer.ts): a pass starts soon after a write once
// `compactAt` samples wait, and moves the hours waiting at its start a slice at a time (about
// `sliceSamples` samples per transaction), each slice in an immediate of its own. Between slices
// the thread's queue runs, so a write that arrived meanwhile (a port message on the store thread,
// a promise callback in the hub's process) is committed and acked after one slice, not after the
// whole pass. A read, start and stop compact everything at once (settle()): queries only ever see
// segments and summaries.
//
// Compaction commits with synchronous=NORMAL: it stores no new sample, it moves samples from
// `appended` into segments and deletes them from `appended` in the same transaction. Unsynced, a
// power cut may lose the slice as a whole (WAL frames are checksummed in a chain, so recovery
// keeps a prefix of the commits), and then the samples are still in `appended`, compacted again
// at the next start. The next write's commit (FULL) syncs the log up to and including every
// slice before it, so no acked write ever depends on an unsynced slice.
import type { Database } from 'better-sqlite3';
import type { BucketWriter } from './bucket-writer.js';

export interface CompactionOptions {
  compactAt: number;
  sliceSamples: number;
  /** The connection's synchronous level, restored after each compaction transaction. */
  synchronous: 'FULL' | 'NORMAL';
  /** Runs after each compaction transaction committed. */
  afterCommit?: () => void;
}

export class Compaction {
  /** The hours the pass under way took at its start, and the index of the next one to move. */
  private pass: { keys: string[]; next: number } | null = null;
  private timer: NodeJS.Immediate | null = null;

  constructor(
    private readonly db: Database,
    private readonly writer: BucketWriter,
    private readonly options: CompactionOptions,
  ) {}

  /** A pass is under way: some hours it took still wait. */
  get underWay(): boolean {
    return this.pass !== null;
  }

  /** After a write committed: starts a pass when enough samples wait. */
  afterWrite(): void {
    if (this.pass || this.writer.pendingSamples < this.options.compactAt) return;
    this.pass = { keys: this.writer.pendingHours(), next: 0 };
    // After this write's acks (they go out in promise callbacks, before an immediate runs).
    this.schedule();
  }

  /** Compacts everything appended, in one transaction, ending any pass under way. */
  settle(): void {
    this.cancel();
    if (this.writer.pendingHourCount === 0) return;
    this.unsynced(() => this.writer.compact(this.writer.pendingHours()));
    this.options.afterCommit?.();
  }

  /** Ends the pass under way; what it did not move stays appended. */
  cancel(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
    this.pass = null;
  }

  private schedule(): void {
    this.timer = setImmediate(() => {
      this.timer = null;
      this.slice();
    });
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
    this.options.afterCommit?.();
    if (pass.next < pass.keys.length) this.schedule();
    else this.pass = null;
  }

  /** Runs a compaction transaction without a sync of its commit (see the top of this file). */
  private unsynced<T>(run: () => T): T {
    if (this.options.synchronous === 'NORMAL') return run();
    this.db.pragma('synchronous = NORMAL');
    try {
      return run();
    } finally {
      this.db.pragma(`synchronous = ${this.options.synchronous}`);
    }
  }
}
