// Failed-authentication limiter, in memory, per key: a remote address, or a credential's name
// (`device:<id>`). After `limit` failures within `windowMs` the key is marked until its window
// ends. A mark never refuses a credential that is valid: the credential is checked first (behind
// NAT or a reverse proxy one broken device must not lock out every other one); a marked caller's
// wrong credentials are answered "too many failures, retry in N s" (HTTP 429, MQTT CONNACK 3)
// instead of "wrong", and its device-key checks run in the slow lane of KeyChecks. A restart
// forgets the marks, which is acceptable for this purpose.
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
