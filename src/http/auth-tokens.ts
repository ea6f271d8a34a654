// API tokens: random secrets handed out once; the store keeps only their SHA-256 (as the record
// id, kind "api-token") with the role, a name and an optional expiry (token-records.ts). A running
// hub trusts a token it verified for a few seconds, then reads it again, so a token revoked by the
// CLI in another process stops working within that time; one revoked here stops at once and its
// listeners close what is open with it. On the first start with auth on, an admin token is made,
// written to `admin-token` in the data directory and printed once.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubLogger } from '../core/logger.js';
import type { Stage } from '../core/stage.js';
import type { Store } from '../core/store.js';
import type { Role } from './roles.js';
import {
  expiryOf,
  parseTokenRecord,
  TOKEN_ID_MIN_PREFIX,
  TOKEN_KIND,
  TOKEN_USE_KIND,
  tokenDocument,
  tokenIdOf,
  type TokenRecord,
} from './token-records.js';

export { isRole, ROLES, type Role, roleAllows } from './roles.js';

export interface Principal {
  role: Role;
  /** A short, non-secret handle for logs and per-client state (the hash's first characters). */
  tokenId: string;
}

/** A token as `token list` and GET /api/admin/tokens show it: never the token itself. */
export interface TokenInfo {
  id: string;
  role: Role;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  expired: boolean;
}

export type TokenCheck =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'expired'; expiredAt: string };

export type TokenErrorCode = 'unknown_token' | 'ambiguous' | 'last_admin' | 'bad_id';

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface TokenServiceOptions {
  /** How long a verified token is trusted before the store is asked again (another process may have revoked it). */
  recheckMs?: number;
  clock?: () => number;
  /** A last-used time that could not be written (the token still works). */
  onError?: (err: unknown) => void;
}

/** Last-used times reach the store at most this often per token: a busy dashboard costs no write per request. */
const LAST_USED_EVERY_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface Known {
  role: Role;
  expiresAt: number;
  checkedAt: number;
}

export class TokenService {
  /** Tokens verified in this process (by hash), trusted for `recheckMs` before the store is read again. */
  private readonly known = new Map<string, Known>();
  /** When each token was last used, as far as this process knows (by hash). */
  private readonly lastUsed = new Map<string, number>();
  private readonly revokedListeners = new Set<(tokenId: string, reason: string) => void>();
  private readonly recheckMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly store: Pick<Store, 'putRecord' | 'getRecord' | 'listRecords' | 'deleteRecord'>,
    private readonly options: TokenServiceOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 3000;
    this.clock = options.clock ?? Date.now;
  }

  /** Makes a token with `role` (and a name, or a name and an expiry); the caller shows it once, the hub cannot show it again. */
  async add(
    role: Role,
    nameOrOptions: string | { name?: string; expiresAt?: Date } = {},
  ): Promise<{ token: string; tokenId: string; info: TokenInfo }> {
    const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
    const token = `thub_${randomBytes(32).toString('base64url')}`;
    const hash = hashToken(token);
    const record: TokenRecord = {
      role,
      name: options.name ?? '',
      createdAt: new Date(this.clock()).toISOString(),
      ...(options.expiresAt && { expiresAt: options.expiresAt.toISOString() }),
    };
    await this.store.putRecord(TOKEN_KIND, hash, tokenDocument(record));
    this.known.set(hash, { role, expiresAt: expiryOf(record), checkedAt: this.clock() });
    return { token, tokenId: tokenIdOf(hash), info: this.info(hash, record, null) };
  }

  /** The principal a token stands for, or null (unknown, revoked or expired). */
  async verify(token: string): Promise<Principal | null> {
    const result = await this.check(token);
    return result.ok ? result.principal : null;
  }

  /**
   * Whether a token is valid now, and if not whether it expired. Tokens added or revoked by the
   * CLI while the hub runs are seen within `recheckMs`; those of this process at once.
   */
  async check(token: string): Promise<TokenCheck> {
    if (token.length < 10 || token.length > 200) return { ok: false, reason: 'unknown' };
    const hash = hashToken(token);
    const now = this.clock();
    let entry = this.known.get(hash);
    if (!entry || now - entry.checkedAt >= this.recheckMs) {
      entry = await this.reread(hash, entry, now);
      if (!entry) return { ok: false, reason: 'unknown' };
    }
    if (entry.expiresAt <= now) return { ok: false, reason: 'expired', expiredAt: new Date(entry.expiresAt).toISOString() };
    this.noteUse(hash, now);
    return { ok: true, principal: { role: entry.role, tokenId: tokenIdOf(hash) } };
  }

  /** Every token, oldest first, with when it was last used (this process's memory or the store's). */
  async list(): Promise<TokenInfo[]> {
    const [records, uses] = await Promise.all([this.store.listRecords(TOKEN_KIND), this.store.listRecords(TOKEN_USE_KIND)]);
    const storedUse = new Map(uses.map(({ id, doc }) => [id, typeof doc.lastUsedAt === 'number' ? doc.lastUsedAt : null]));
    const infos: TokenInfo[] = [];
    for (const { id: hash, doc } of records) {
      const record = parseTokenRecord(doc);
      if (!record) continue;
      const used = Math.max(this.lastUsed.get(hash) ?? 0, storedUse.get(hash) ?? 0);
      infos.push(this.info(hash, record, used > 0 ? used : null));
    }
    return infos.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Deletes the one token whose id starts with `idPrefix` and tells the listeners, which close
   * what is open with it. The last admin token that has not expired is kept: without it nobody
   * could make another.
   */
  async revoke(idPrefix: string): Promise<TokenInfo> {
    const prefix = idPrefix.trim().toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${TOKEN_ID_MIN_PREFIX},64}$`).test(prefix))
      throw new TokenError(
        'bad_id',
        `a token id is ${TOKEN_ID_MIN_PREFIX} to 64 hex digits (as token list shows it), got "${idPrefix.slice(0, 70)}"`,
      );
    const records = (await this.store.listRecords(TOKEN_KIND))
      .map(({ id, doc }) => ({ hash: id, record: parseTokenRecord(doc) }))
      .filter((r): r is { hash: string; record: TokenRecord } => r.record !== null);
    const matches = records.filter((r) => r.hash.startsWith(prefix));
    if (matches.length === 0) throw new TokenError('unknown_token', `no token has an id starting with ${prefix}`);
    if (matches.length > 1)
      throw new TokenError('ambiguous', `${matches.length} tokens have ids starting with ${prefix}; give more of the id`);
    const [{ hash, record }] = matches;
    const now = this.clock();
    const otherAdmins = records.filter((r) => r.hash !== hash && r.record.role === 'admin' && expiryOf(r.record) > now);
    if (record.role === 'admin' && otherAdmins.length === 0)
      throw new TokenError('last_admin', 'this is the last admin token that has not expired; make another admin token before revoking it');
    await this.store.deleteRecord(TOKEN_KIND, hash);
    await this.store.deleteRecord(TOKEN_USE_KIND, hash);
    const info = this.info(hash, record, this.lastUsed.get(hash) ?? null);
    this.forget(hash, 'the API token was revoked');
    return info;
  }

  /**
   * The tokens valid in the store now (id → expiry, ms), read in one query. Cached tokens that
   * are gone are forgotten on the way, so a token the CLI revoked is refused from here on.
   */
  async current(): Promise<Map<string, number>> {
    const valid = new Map<string, number>();
    const hashes = new Set<string>();
    for (const { id: hash, doc } of await this.store.listRecords(TOKEN_KIND)) {
      const record = parseTokenRecord(doc);
      if (!record) continue;
      hashes.add(hash);
      valid.set(tokenIdOf(hash), expiryOf(record));
    }
    for (const hash of this.known.keys()) if (!hashes.has(hash)) this.known.delete(hash);
    return valid;
  }

  /** Called with a token's id when this process revokes it; returns the unsubscribe. */
  onRevoked(listener: (tokenId: string, reason: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /** On first start (no admin token stored), makes one, writes it to the data dir and returns the file's path. */
  async ensureAdmin(dataDir: string): Promise<{ token: string; file: string } | null> {
    const records = await this.store.listRecords(TOKEN_KIND);
    if (records.some((r) => r.doc.role === 'admin')) return null;
    const { token } = await this.add('admin', { name: 'created on first start' });
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'admin-token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return { token, file };
  }

  /** Reads a token's record again; on a store error a cached token stays trusted (an outage must not lock everyone out). */
  private async reread(hash: string, cached: Known | undefined, now: number): Promise<Known | undefined> {
    let record: TokenRecord | null;
    try {
      record = parseTokenRecord(await this.store.getRecord(TOKEN_KIND, hash));
    } catch (err) {
      if (cached) return cached;
      throw err;
    }
    if (!record) {
      this.forget(hash, 'the API token was revoked');
      return undefined;
    }
    const entry = { role: record.role, expiresAt: expiryOf(record), checkedAt: now };
    this.known.set(hash, entry);
    return entry;
  }

  private forget(hash: string, reason: string): void {
    this.known.delete(hash);
    this.lastUsed.delete(hash);
    for (const listener of this.revokedListeners) listener(tokenIdOf(hash), reason);
  }

  private noteUse(hash: string, now: number): void {
    if (now - (this.lastUsed.get(hash) ?? 0) < LAST_USED_EVERY_MS) return;
    this.lastUsed.set(hash, now);
    this.store.putRecord(TOKEN_USE_KIND, hash, { lastUsedAt: now }).catch((err: unknown) => this.options.onError?.(err));
  }

  private info(hash: string, record: TokenRecord, lastUsed: number | null): TokenInfo {
    const expiresAt = expiryOf(record);
    return {
      id: tokenIdOf(hash),
      role: record.role,
      name: record.name,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt ?? null,
      lastUsedAt: lastUsed === null ? null : new Date(lastUsed).toISOString(),
      expired: expiresAt <= this.clock(),
    };
  }
}

/** The hub's first start with auth on: make the admin token and say once where it is. */
export async function bootstrapAdminToken(
  tokens: TokenService,
  dataDir: string,
  log: { info(obj: object, msg?: string): void },
  print: (line: string) => void,
): Promise<string | null> {
  const created = await tokens.ensureAdmin(dataDir);
  if (!created) return null;
  log.info({ file: created.file }, 'admin API token created');
  print(`telemetry-hub: admin API token (shown once, also in ${created.file}): ${created.token}\n`);
  return created.token;
}

/**
 * The auth stage. With auth on it makes the admin token on the hub's first start, once the store
 * is open; with auth off it says loudly that every caller is admin.
 */
export class AuthBootstrap implements Stage {
  readonly name = 'auth';
  /** The admin token made on this start (the hub's first), for the start banner; null on later starts. */
  created: string | null = null;

  constructor(
    private readonly tokens: TokenService,
    private readonly options: { mode: 'on' | 'off'; dataDir: string; log: HubLogger; print: (line: string) => void },
  ) {}

  async start(): Promise<void> {
    const { mode, dataDir, log, print } = this.options;
    if (mode === 'on') this.created = await bootstrapAdminToken(this.tokens, dataDir, log, print);
    else log.warn({}, 'API auth is off (HUB_AUTH=off): every caller is admin; for development only');
  }

  async stop(): Promise<void> {}
}
