// WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs inside the COMMIT
// that takes the log past its size: that commit copies the log into the database file and syncs
// it before it returns, and the write it carried is acked only then (tens of ms), with every call
// queued behind it waiting too. Here the store's connection checkpoints itself only past
// SAFETY_PAGES (a bound on the log should this thread fall behind), and a second connection,
// on this thread, runs a PASSIVE checkpoint at most every INTERVAL_MS while the store writes.
// PASSIVE takes no lock a writer waits for: the store commits on while the log is copied.
//
// Durability is the commit's alone: with synchronous=FULL a commit syncs the log before it
// returns, so what was acked is on disk whether a checkpoint ran, runs or dies half-way. A
// checkpoint copies committed frames into the database file and syncs that file before the log
// is reused from its start; a crash in between leaves the frames in the log, and the next open
// replays them.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

const INTERVAL_MS = 100;
/** 10,000 pages of 4 KiB: the log's size past which a commit checkpoints itself (SQLite's default is 1,000). */
const SAFETY_PAGES = 10_000;

// The thread is plain CommonJS (no TypeScript, so no loader to register): it opens the file and
// checkpoints when asked. A checkpoint that fails (the database locked, a disk error) is left to
// the next one, or to the store's own checkpoint past SAFETY_PAGES.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
parentPort.on('message', (what) => {
  if (what === 'close') {
    db.close();
    parentPort.postMessage('closed');
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
  parentPort.postMessage('done');
});`;

export class Checkpointer {
  private thread: Worker | null = null;
  private running = false;
  private failed = false;
  private lastAt = 0;

  constructor(
    db: Database,
    private readonly file: string,
  ) {
    db.pragma(`wal_autocheckpoint = ${SAFETY_PAGES}`);
  }

  /** After a commit: asks for a checkpoint unless one runs or ran less than INTERVAL_MS ago. */
  afterCommit(): void {
    if (this.running || this.failed || performance.now() - this.lastAt < INTERVAL_MS) return;
    this.running = true;
    this.lastAt = performance.now();
    this.start().postMessage('checkpoint');
  }

  /** Closes the thread's connection first, so the store's close is the last and checkpoints all. */
  async stop(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    if (!thread) return;
    const closed = new Promise<void>((resolve) => {
      thread.on('message', (m) => m === 'closed' && resolve());
      thread.once('exit', () => resolve());
      thread.once('error', () => resolve());
    });
    thread.postMessage('close');
    await closed;
    await thread.terminate();
  }

  private start(): Worker {
    if (this.thread) return this.thread;
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const thread = new Worker(THREAD, { eval: true, workerData: { module, file: this.file } });
    thread.unref(); // never what keeps a process alive
    thread.on('message', (m) => {
      if (m === 'done') this.running = false;
    });
    // A thread that fails leaves the checkpoints to the store's connection (SAFETY_PAGES).
    thread.on('error', () => {
      this.failed = true;
      if (this.thread === thread) this.thread = null;
    });
    this.thread = thread;
    return thread;
  }
}
