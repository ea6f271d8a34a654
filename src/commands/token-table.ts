// `telemetry-hub token list` as a table: one line per token, never the token itself.
import type { TokenInfo } from '../http/auth-tokens.js';

const COLUMNS: Array<[string, (t: TokenInfo) => string]> = [
  ['ID', (t) => t.id],
  ['ROLE', (t) => t.role],
  ['NAME', (t) => t.name || '-'],
  ['CREATED', (t) => t.createdAt || '-'],
  ['EXPIRES', (t) => (t.expiresAt === null ? 'never' : `${t.expiresAt}${t.expired ? ' (expired)' : ''}`)],
  ['LAST USED', (t) => t.lastUsedAt ?? '-'],
];

export function formatTokenTable(tokens: TokenInfo[]): string {
  if (tokens.length === 0) return 'no tokens\n';
  const rows = [COLUMNS.map(([title]) => title), ...tokens.map((t) => COLUMNS.map(([, cell]) => cell(t)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
