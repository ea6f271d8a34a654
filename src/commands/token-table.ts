// `telemetry-hub token list` as a table: one line per token, never the token itself.
import type { TokenInfo } from '../http/auth-tokens.js';
import { type Column, formatTable } from './table.js';

const COLUMNS: Column<TokenInfo>[] = [
  ['ID', (t) => t.id],
  ['ROLE', (t) => t.role],
  ['NAME', (t) => t.name || '-'],
  ['CREATED', (t) => t.createdAt || '-'],
  ['EXPIRES', (t) => (t.expiresAt === null ? 'never' : `${t.expiresAt}${t.expired ? ' (expired)' : ''}`)],
  ['LAST USED', (t) => t.lastUsedAt ?? '-'],
];

export function formatTokenTable(tokens: TokenInfo[]): string {
  return formatTable(COLUMNS, tokens, 'no tokens');
}
