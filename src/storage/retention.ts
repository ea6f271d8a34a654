// Retention: at start and hourly, drops what is older than the configured number of days: whole
// reading buckets, presence history and finished commands. Without the last two, a hub kept for
// years would hold every presence flap and every command ever sent long after its readings went.
import type { HubLogger } from '../core/logger.js';
import type { Stage } from '../core/stage.js';
import type { Store } from '../core/store.js';

const DAY_MS = 86_400_000;

export interface SweepResult {
  buckets: number;
  presence: number;
  commands: number;
}

export class Retention implements Stage {
  readonly name = 'retention';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Pick<Store, 'dropBucketsBefore' | 'pruneHistoryBefore'>,
    private readonly days: number,
    private readonly log: HubLogger,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    if (this.days <= 0) return;
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Never throws: a failed part is logged and counted as 0, and the other part still runs. */
  async sweep(): Promise<SweepResult> {
    const cutoff = this.clock() - this.days * DAY_MS;
    const at = new Date(cutoff).toISOString();
    const result: SweepResult = { buckets: 0, presence: 0, commands: 0 };
    try {
      result.buckets = await this.store.dropBucketsBefore(cutoff);
    } catch (err) {
      this.log.error({ err, cutoff: at }, 'retention could not drop old buckets');
    }
    try {
      const pruned = await this.store.pruneHistoryBefore(cutoff);
      result.presence = pruned.presence;
      result.commands = pruned.commands;
    } catch (err) {
      this.log.error({ err, cutoff: at }, 'retention could not prune presence and command history');
    }
    if (result.buckets + result.presence + result.commands > 0) {
      this.log.info(
        { buckets: result.buckets, presence: result.presence, commands: result.commands, cutoff: at },
        'retention dropped old data',
      );
    }
    return result;
  }
}
