// What the store keeps of an API token (kind "api-token", keyed by the token's SHA-256): its role,
// name, creation time and optional expiry. When it was last used is kept apart (kind
// "api-token-use"), so writing it can never bring back a token another process just deleted.
// Also the expiry a person types (`30d`, `12h`, an ISO time) turned into a time.
import { ROLES, type Role } from './roles.js';

export const TOKEN_KIND = 'api-token';
export const TOKEN_USE_KIND = 'api-token-use';
/** Characters of the hash shown as the token's id: enough to tell tokens apart, useless to guess one. */
export const TOKEN_ID_LENGTH = 12;
/** The shortest id prefix `token revoke` and DELETE accept. */
export const TOKEN_ID_MIN_PREFIX = 4;

export interface TokenRecord {
  role: Role;
  /** Stored as `label` (the field tokens made before names existed already have). */
  name: string;
  createdAt: string;
  /** ISO time; absent: the token does not expire. */
  expiresAt?: string;
}

export function tokenIdOf(hash: string): string {
  return hash.slice(0, TOKEN_ID_LENGTH);
}

export function parseTokenRecord(doc: Record<string, unknown> | null): TokenRecord | null {
  if (!doc || typeof doc.role !== 'string' || !(ROLES as readonly string[]).includes(doc.role)) return null;
  return {
    role: doc.role as Role,
    name: typeof doc.label === 'string' ? doc.label : '',
    createdAt: typeof doc.createdAt === 'string' ? doc.createdAt : '',
    ...(typeof doc.expiresAt === 'string' && { expiresAt: doc.expiresAt }),
  };
}

export function tokenDocument(record: TokenRecord): Record<string, unknown> {
  return {
    role: record.role,
    label: record.name,
    createdAt: record.createdAt,
    ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
  };
}

/** Milliseconds since the epoch when the token stops working; Infinity when it never does. */
export function expiryOf(record: Pick<TokenRecord, 'expiresAt'>): number {
  if (record.expiresAt === undefined) return Number.POSITIVE_INFINITY;
  const at = Date.parse(record.expiresAt);
  // A hand-edited record with a time that does not parse is treated as expired, not as eternal.
  return Number.isNaN(at) ? 0 : at;
}

export class ExpiryError extends Error {}

const DURATION = /^(\d{1,6})\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `30d`, `12h`, `90m`, `2w` from now, or an ISO-8601 time with a date (`2027-01-31`,
 * `2027-01-31T12:00:00Z`). Refused: anything else, and a time not in the future.
 */
export function parseExpiry(text: string, now = Date.now()): Date {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  let at: number;
  if (duration) at = now + Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()];
  else if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) at = Date.parse(trimmed);
  else throw new ExpiryError(`expiry must be a duration such as 30d, 12h, 90m, 2w or an ISO time, got "${trimmed.slice(0, 40)}"`);
  if (Number.isNaN(at)) throw new ExpiryError(`"${trimmed.slice(0, 40)}" is not a valid time`);
  if (at <= now) throw new ExpiryError(`the expiry ${new Date(at).toISOString()} is not in the future`);
  return new Date(at);
}
