// Keeps a noisy line from flooding the log. Every rejection is still counted in /metrics; the
// log gets the first few of each window with their reasons; the first one after a window closes
// also says how many were left out of that window.
import type { HubLogger } from '../../core/logger.js';

export class LogThrottle {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: HubLogger,
    private readonly options: { perWindow: number; windowMs: number } = { perWindow: 10, windowMs: 10_000 },
    private readonly clock: () => number = Date.now,
  ) {}

  warn(obj: object, msg: string): void {
    const now = this.clock();
    if (now - this.windowStart >= this.options.windowMs) {
      if (this.suppressed > 0) this.log.warn({ suppressed: this.suppressed, windowMs: this.options.windowMs }, `${msg}: ${this.suppressed} more not logged`);
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    this.inWindow += 1;
    if (this.inWindow <= this.options.perWindow) this.log.warn(obj, msg);
    else this.suppressed += 1;
  }
}
