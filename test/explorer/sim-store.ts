// The store as the simulated hub sees it: the real SqliteStore underneath, with faults drawn by
// the schedule on top. A write may fail (ingest keeps the batch and retries), be slow (it
// completes at a later simulated step, so devices act while it is in flight), or be caught by a
// hub crash, in which case the seed decides whether SQLite had committed it before the process died.
import type { Device } from '../../src/core/model.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { StoredDevice, WriteBatch, WriteResult } from '../../src/core/store.js';
import type { Counts } from './sim-world.js';

/** Every reading value in a committed batch, per device: the ground truth of what is durable. */
export class CommitLog {
  readonly values = new Map<string, Map<number, number>>();
  /** Values written by two committed batches: a resend that was written a second time. */
  readonly rewritten: Array<{ deviceId: string; value: number }> = [];

  note(batch: WriteBatch): void {
    for (const r of batch.readings) {
      let perDevice = this.values.get(r.deviceId);
      if (!perDevice) this.values.set(r.deviceId, (perDevice = new Map()));
      const n = (perDevice.get(r.value) ?? 0) + 1;
      perDevice.set(r.value, n);
      if (n === 2) this.rewritten.push({ deviceId: r.deviceId, value: r.value });
    }
  }

  has(deviceId: string, value: number): boolean {
    return (this.values.get(deviceId)?.get(value) ?? 0) > 0;
  }
}

interface HeldWrite {
  batch: WriteBatch;
  dueStep: number;
  failsAtEnd: boolean;
  resolve: (r: WriteResult) => void;
  reject: (err: Error) => void;
}

export class FaultyStore {
  /** Writes still to fail, and to be slow; set by the schedule's fault draws. */
  failNext = 0;
  slowNext = 0;
  slowSteps = 1;
  slowThenFail = false;
  private dead = false;
  private held: HeldWrite[] = [];
  private step = 0;

  constructor(
    private readonly inner: SqliteStore,
    private readonly commits: CommitLog,
    private readonly counts: Counts,
  ) {}

  /** Set by the schedule when a trace is kept. */
  trace: ((line: () => string) => void) | null = null;

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    this.trace?.(
      () =>
        `store: write heads ${batch.heads.map((x) => `${x.deviceId}:${x.h}`).join(' ')}${this.failNext > 0 ? ' (fails)' : this.slowNext > 0 ? ' (slow)' : ''}`,
    );
    // A process that was killed never hears back from its store.
    if (this.dead) return new Promise(() => {});
    if (this.failNext > 0) {
      this.failNext -= 1;
      this.counts.fault('storeWriteFail');
      throw new Error('simulated store failure');
    }
    if (this.slowNext > 0) {
      this.slowNext -= 1;
      this.counts.fault('storeWriteSlow');
      const failsAtEnd = this.slowThenFail;
      return new Promise((resolve, reject) => this.held.push({ batch, dueStep: this.step + this.slowSteps, failsAtEnd, resolve, reject }));
    }
    return this.commit(batch);
  }

  /** Completes the slow writes that are due at this step. */
  tick(step: number): void {
    this.step = step;
    if (this.dead) return;
    const due = this.held.filter((w) => w.dueStep <= step);
    this.held = this.held.filter((w) => w.dueStep > step);
    for (const w of due) {
      if (w.failsAtEnd) w.reject(new Error('simulated slow store failure'));
      else this.commit(w.batch).then(w.resolve, w.reject);
    }
  }

  get inFlight(): number {
    return this.held.length;
  }

  /** The hub process dies: a write in flight is committed or not, as the seed decides. */
  async crash(commitInFlight: boolean): Promise<void> {
    for (const w of this.held) {
      if (commitInFlight && !w.failsAtEnd) {
        this.counts.fault('crashCommitted');
        await this.commit(w.batch);
      } else {
        this.counts.fault('crashLost');
      }
    }
    this.held = [];
    this.dead = true;
    await this.inner.stop();
  }

  /** Everything already queued completes (used when the faults stop). */
  healthy(): void {
    this.failNext = 0;
    this.slowNext = 0;
  }

  async loadDevices(): Promise<StoredDevice[]> {
    return this.inner.loadDevices();
  }

  async saveDevice(device: Device): Promise<void> {
    if (this.dead) throw new Error('store is gone with its process');
    return this.inner.saveDevice(device);
  }

  async saveDevices(devices: Device[]): Promise<void> {
    if (this.dead) throw new Error('store is gone with its process');
    return this.inner.saveDevices(devices);
  }

  private async commit(batch: WriteBatch): Promise<WriteResult> {
    const result = await this.inner.writeBatch(batch);
    this.commits.note(batch);
    return result;
  }
}
