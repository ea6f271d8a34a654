// API tokens: random secrets handed out once; the store keeps only their SHA-256 (as the record
// id, kind "api-token") with the role. On the first start with auth on, an admin token is made,
// written to `admin-token` in the data directory and printed once.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubLogger } from '../core/logger.js';
import type { Stage } from '../core/stage.js';
import type { Store } from '../core/store.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  role: Role;
  /** A short, non-secret handle for logs and per-client state (the hash's first characters). */
  tokenId: string;
}

const KIND = 'api-token';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `have` may do what `need` allows: admin ⊃ operator ⊃ viewer. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenService {
  private readonly known = new Map<string, Role>();

  constructor(private readonly store: Pick<Store, 'putRecord' | 'getRecord' | 'listRecords'>) {}

  /** Makes a token with `role`; the caller shows it once, the hub cannot show it again. */
  async add(role: Role, label = ''): Promise<{ token: string; tokenId: string }> {
    const token = `thub_${randomBytes(32).toString('base64url')}`;
    const hash = hashToken(token);
    await this.store.putRecord(KIND, hash, { role, label, createdAt: new Date().toISOString() });
    this.known.set(hash, role);
    return { token, tokenId: hash.slice(0, 12) };
  }

  /** The principal a token stands for, or null. Tokens added by the CLI while the hub runs are found too. */
  async verify(token: string): Promise<Principal | null> {
    if (token.length < 10 || token.length > 200) return null;
    const hash = hashToken(token);
    let role = this.known.get(hash);
    if (role === undefined) {
      const doc = await this.store.getRecord(KIND, hash);
      if (!doc || !isRole(doc.role)) return null;
      role = doc.role;
      this.known.set(hash, role);
    }
    return { role, tokenId: hash.slice(0, 12) };
  }

  /** On first start (no admin token stored), makes one, writes it to the data dir and returns the file's path. */
  async ensureAdmin(dataDir: string): Promise<{ token: string; file: string } | null> {
    const records = await this.store.listRecords(KIND);
    if (records.some((r) => r.doc.role === 'admin')) return null;
    const { token } = await this.add('admin', 'created on first start');
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'admin-token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return { token, file };
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
