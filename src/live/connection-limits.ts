// Caps on open live connections: SSE streams and long-polls are counted together, per owner (the
// API token, or the remote address when auth is off and every caller shares one principal) and in
// total, because both hold a socket and a place in the hub's memory for as long as they are open.
// A connection takes a slot before its answer starts and gives it back the moment it closes, for
// whatever reason (answered, cut off, the client gone), so a vanished client frees its slot at once.
import { HttpError } from '../http/errors.js';

/** Which cap refused a connection: the label of the refusal counter. */
export type ConnectionCapCode = 'per_token' | 'per_address' | 'total';
export const CONNECTION_CAP_CODES: readonly ConnectionCapCode[] = ['per_token', 'per_address', 'total'];

/** A slot frees whenever another connection closes, which cannot be foreseen: a short, fixed pause. */
const RETRY_AFTER_SECONDS = 5;

/** Who a connection counts against. */
export interface ConnectionOwner {
  kind: 'token' | 'address';
  id: string;
}

export interface ConnectionLimitOptions {
  perOwner: number;
  total: number;
}

/** A held place; `release` may be called any number of times, only the first counts. */
export interface ConnectionSlot {
  readonly owner: ConnectionOwner;
  release(): void;
}

export class ConnectionRefused extends HttpError {
  constructor(
    readonly cap: ConnectionCapCode,
    readonly limit: number,
  ) {
    super(429, 'too_many_connections', refusalMessage(cap, limit), RETRY_AFTER_SECONDS);
    this.name = 'ConnectionRefused';
  }
}

export class ConnectionLimits {
  private readonly byOwner = new Map<string, number>();
  private open = 0;

  constructor(private readonly options: ConnectionLimitOptions) {}

  get total(): number {
    return this.open;
  }

  /** Open connections of one owner (0 for one that holds none). */
  heldBy(owner: ConnectionOwner): number {
    return this.byOwner.get(ownerKey(owner)) ?? 0;
  }

  /** Takes a slot for `owner`, or throws the 429 naming the cap that is full. */
  admit(owner: ConnectionOwner): ConnectionSlot {
    const key = ownerKey(owner);
    const held = this.byOwner.get(key) ?? 0;
    if (held >= this.options.perOwner)
      throw new ConnectionRefused(owner.kind === 'token' ? 'per_token' : 'per_address', this.options.perOwner);
    if (this.open >= this.options.total) throw new ConnectionRefused('total', this.options.total);
    this.byOwner.set(key, held + 1);
    this.open++;
    let released = false;
    return {
      owner,
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        const left = (this.byOwner.get(key) ?? 1) - 1;
        if (left > 0) this.byOwner.set(key, left);
        else this.byOwner.delete(key);
      },
    };
  }
}

function ownerKey(owner: ConnectionOwner): string {
  return `${owner.kind}:${owner.id}`;
}

function refusalMessage(cap: ConnectionCapCode, limit: number): string {
  switch (cap) {
    case 'per_token':
      return `too many live connections for this token: at most ${limit} streams and long-polls at once (HUB_LIVE_MAX_CONNECTIONS_PER_TOKEN); close one first`;
    case 'per_address':
      return `too many live connections from this address: at most ${limit} streams and long-polls at once (HUB_LIVE_MAX_CONNECTIONS_PER_TOKEN, per address while auth is off); close one first`;
    case 'total':
      return `the hub holds its most live connections: at most ${limit} streams and long-polls at once over all clients (HUB_LIVE_MAX_CONNECTIONS); retry later`;
  }
}
