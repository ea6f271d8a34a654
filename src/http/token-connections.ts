// What is open with each API token (SSE streams, long-polls, control channels), so a revoked or
// expired token loses them too, not only its next request. A token revoked in this process (the
// admin API) closes its connections at once; one revoked by the CLI in another process, or one
// that expires while a stream is open, is found by a sweep every `recheckMs` that reads the
// tokens from the store in one query, and only while something is open.
import type { HubLogger } from '../core/logger.js';
import type { Stage } from '../core/stage.js';
import type { MetricsRegistry } from '../observability/prometheus.js';
import type { TokenService } from './auth-tokens.js';

/** Ends one connection; `reason` is for the client (a WebSocket close reason, an error message). */
export type CloseConnection = (reason: string) => void;

export class TokenConnections implements Stage {
  readonly name = 'token-connections';
  private readonly byToken = new Map<string, Set<CloseConnection>>();
  private timer: NodeJS.Timeout | null = null;
  private offRevoked: (() => void) | null = null;
  private sweeping = false;
  private readonly closed;

  constructor(
    private readonly tokens: Pick<TokenService, 'current' | 'onRevoked'>,
    private readonly options: { recheckMs: number; log: HubLogger; registry: MetricsRegistry; clock?: () => number },
  ) {
    this.closed = options.registry.counter(
      'hub_auth_connections_closed_total',
      'Streams, long-polls and control channels closed because their API token was revoked or expired, by reason.',
    );
    options.registry.gauge('hub_auth_token_connections', 'Streams, long-polls and control channels open with an API token.', () =>
      [...this.byToken.values()].reduce((n, set) => n + set.size, 0),
    );
  }

  async start(): Promise<void> {
    this.offRevoked = this.tokens.onRevoked((tokenId, reason) => this.closeToken(tokenId, reason, 'revoked'));
    this.timer = setInterval(() => void this.sweep(), this.options.recheckMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.offRevoked?.();
    this.offRevoked = null;
  }

  /** Registers a connection opened with `tokenId`; call the returned function once it has closed. */
  track(tokenId: string, close: CloseConnection): () => void {
    let set = this.byToken.get(tokenId);
    if (!set) this.byToken.set(tokenId, (set = new Set()));
    set.add(close);
    return () => {
      const open = this.byToken.get(tokenId);
      if (!open?.delete(close)) return;
      if (open.size === 0) this.byToken.delete(tokenId);
    };
  }

  /** Closes every connection of the token; returns how many. */
  closeToken(tokenId: string, reason: string, label: 'revoked' | 'expired'): number {
    const open = this.byToken.get(tokenId);
    if (!open) return 0;
    this.byToken.delete(tokenId);
    for (const close of open) {
      try {
        close(reason);
      } catch (err) {
        this.options.log.warn({ err, tokenId }, 'a connection could not be closed');
      }
    }
    this.closed.inc({ reason: label }, open.size);
    this.options.log.info({ tokenId, connections: open.size, reason }, 'connections of an API token closed');
    return open.size;
  }

  /** One pass: the tokens in the store now against the tokens something is open with. */
  async sweep(): Promise<void> {
    if (this.byToken.size === 0 || this.sweeping) return;
    this.sweeping = true;
    try {
      const valid = await this.tokens.current();
      const now = (this.options.clock ?? Date.now)();
      for (const tokenId of [...this.byToken.keys()]) {
        const expiresAt = valid.get(tokenId);
        if (expiresAt === undefined) this.closeToken(tokenId, 'the API token was revoked', 'revoked');
        else if (expiresAt <= now) this.closeToken(tokenId, `the API token expired at ${new Date(expiresAt).toISOString()}`, 'expired');
      }
    } catch (err) {
      // The store is down: what is open stays open until it answers again.
      this.options.log.warn({ err }, 'API tokens could not be re-read; open connections kept');
    } finally {
      this.sweeping = false;
    }
  }
}
