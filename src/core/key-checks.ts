// A bound on the work of checking device keys. Each check of a key not met before costs a scrypt
// derivation (tens of milliseconds of CPU on purpose), so a burst of logins with wrong keys
// (60 at once, or one broken device retrying every second) must not take the hub's CPU. Checks
// run through two lanes: the normal one, a few at a time, and a penalty lane of one at a time
// for callers the failure limiter has marked (an address or a device id with many failures).
// A marked caller's valid key is still recognised, only later; what does not fit in a lane's
// queue, or exceeds one caller's share of it, is refused at once as busy.

export class KeyCheckBusyError extends Error {
  constructor(readonly reason: 'queue_full' | 'caller_share') {
    super(
      reason === 'queue_full'
        ? 'too many device logins are being checked; retry in a few seconds'
        : 'too many logins from this address are being checked at once; retry in a few seconds',
    );
    this.name = 'KeyCheckBusyError';
  }
}

export interface KeyCheckLimits {
  /** Checks running at once in the normal lane (the penalty lane runs one). */
  concurrency: number;
  /** Checks waiting or running per lane; past it a check is refused. */
  queue: number;
  /** Checks one caller (an address) may have waiting or running per lane. */
  perCaller: number;
}

export const DEFAULT_KEY_CHECK_LIMITS: KeyCheckLimits = { concurrency: 2, queue: 64, perCaller: 8 };

interface Lane {
  readonly concurrency: number;
  readonly queue: number;
  readonly perCaller: number;
  running: number;
  readonly waiting: Array<() => void>;
  readonly byCaller: Map<string, number>;
}

/** Told of every run started and every check refused as busy (the hub counts them for /metrics). */
export interface KeyCheckObserver {
  derived(penalised: boolean): void;
  busy(reason: KeyCheckBusyError['reason']): void;
}

export class KeyChecks {
  private readonly normal: Lane;
  private readonly penalty: Lane;

  constructor(
    limits: KeyCheckLimits = DEFAULT_KEY_CHECK_LIMITS,
    private readonly observer?: KeyCheckObserver,
  ) {
    this.normal = lane(limits.concurrency, limits.queue, limits.perCaller);
    this.penalty = lane(1, Math.max(1, Math.floor(limits.queue / 4)), Math.max(1, Math.floor(limits.perCaller / 4)));
  }

  /** Checks waiting or running now, both lanes. */
  get inFlight(): number {
    return this.size(this.normal) + this.size(this.penalty);
  }

  /** Runs `derive` in its turn; throws KeyCheckBusyError when it does not fit. */
  async run<T>(caller: string, penalised: boolean, derive: () => Promise<T>): Promise<T> {
    const lane = penalised ? this.penalty : this.normal;
    if (this.size(lane) >= lane.queue) return this.busy('queue_full');
    if ((lane.byCaller.get(caller) ?? 0) >= lane.perCaller) return this.busy('caller_share');
    lane.byCaller.set(caller, (lane.byCaller.get(caller) ?? 0) + 1);
    try {
      if (lane.running >= lane.concurrency) await new Promise<void>((resolve) => lane.waiting.push(resolve));
      else lane.running += 1;
      this.observer?.derived(penalised);
      return await derive();
    } finally {
      const left = (lane.byCaller.get(caller) ?? 1) - 1;
      if (left > 0) lane.byCaller.set(caller, left);
      else lane.byCaller.delete(caller);
      // The slot passes straight to the next waiter, so `running` stays counted for it.
      const next = lane.waiting.shift();
      if (next) next();
      else lane.running -= 1;
    }
  }

  private size(lane: Lane): number {
    return lane.running + lane.waiting.length;
  }

  private busy(reason: KeyCheckBusyError['reason']): never {
    this.observer?.busy(reason);
    throw new KeyCheckBusyError(reason);
  }
}

function lane(concurrency: number, queue: number, perCaller: number): Lane {
  return { concurrency, queue, perCaller, running: 0, waiting: [], byCaller: new Map() };
}
