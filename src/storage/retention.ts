// Retention: drops whole buckets older than the configured number of days, at start and hourly.
import type { HubLogger } from '../core/logger.js';
import type { Stage } from '../transports/context.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;

export class Retention implements Stage {
  readonly name = 'retention';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Pick<Store, 'dropBucketsBefore'>,
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

  async sweep(): Promise<number> {
    const cutoff = this.clock() - this.days * DAY_MS;
    try {
      const dropped = await this.store.dropBucketsBefore(cutoff);
      if (dropped > 0) this.log.info({ dropped, cutoff: new Date(cutoff).toISOString() }, 'retention dropped old buckets');
      return dropped;
    } catch (err) {
      this.log.error({ err }, 'retention sweep failed');
      return 0;
    }
  }
}
