// Failed-authentication limiter, per remote address and in memory: after `limit` failures within
// `windowMs` an address is refused (HTTP 429, MQTT CONNACK 3) until its window ends. It slows the
// guessing of API tokens and device keys without state outside the process; a restart forgets
// it, which is acceptable for this purpose.
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; windowEnds: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds the address must wait, or 0 when it may try. */
  blockedFor(remote: string): number {
    const entry = this.failures.get(remote);
    const now = this.clock();
    if (!entry || entry.windowEnds <= now) return 0;
    return entry.count >= this.limit ? Math.ceil((entry.windowEnds - now) / 1000) : 0;
  }

  fail(remote: string): void {
    const now = this.clock();
    const entry = this.failures.get(remote);
    if (!entry || entry.windowEnds <= now) this.failures.set(remote, { count: 1, windowEnds: now + this.windowMs });
    else entry.count += 1;
    if (this.failures.size > 10_000) this.prune(now);
  }

  private prune(now: number): void {
    for (const [remote, entry] of this.failures) if (entry.windowEnds <= now) this.failures.delete(remote);
  }
}
