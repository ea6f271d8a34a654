// `telemetry-hub token <add|list|revoke>`: API tokens, worked on the hub's store. A running hub
// accepts a new token at once; one revoked here is refused, and what is open with it closed,
// within HUB_CREDENTIAL_RECHECK_MS (the hub re-reads tokens it trusts that often).
import { isRole, ROLES, TokenError, TokenService } from '../http/auth-tokens.js';
import { ExpiryError, parseExpiry } from '../http/token-records.js';
import { parseVerb, type VerbSpec, verbsUsage } from './command-args.js';
import { formatTokenTable } from './token-table.js';
import { withConfiguredStore } from './with-store.js';

interface Verb extends VerbSpec {
  run(tools: Tools, positional: string[], options: Partial<Record<string, string | true>>): Promise<number>;
}

interface Tools {
  tokens: TokenService;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const text = (value: string | true | undefined) => (typeof value === 'string' ? value : undefined);

const VERBS: Record<string, Verb> = {
  add: {
    args: [`<${ROLES.join('|')}>`],
    options: {
      name: { kind: 'value', description: 'what the token is for, shown by token list' },
      'expires-in': { kind: 'value', description: 'when it stops working: 30d, 12h, 90m, 2w from now, or an ISO time' },
    },
    summary: 'make an API token and print it once',
    check([role], options) {
      if (!isRole(role)) return `the role is one of ${ROLES.join(', ')}, got "${role}"`;
      const expires = text(options['expires-in']);
      try {
        if (expires !== undefined) parseExpiry(expires);
      } catch (error) {
        if (error instanceof ExpiryError) return `--expires-in: ${error.message}`;
        throw error;
      }
      return null;
    },
    async run({ tokens, out, err }, [role], options) {
      const expires = text(options['expires-in']);
      const { token, info } = await tokens.add(role as (typeof ROLES)[number], {
        name: text(options.name) ?? 'made with telemetry-hub token add',
        expiresAt: expires === undefined ? undefined : parseExpiry(expires),
      });
      out.write(`${token}\n`);
      const until = info.expiresAt ? `, valid until ${info.expiresAt}` : '';
      err.write(
        `a ${role} token (id ${info.id}${until}); it is shown only this once. Send it as "Authorization: Bearer <token>" or ?token=<token>.\n`,
      );
      return 0;
    },
  },
  list: {
    args: [],
    options: {},
    summary: 'list the API tokens: id, role, name, created, expiry, last use (never the tokens)',
    async run({ tokens, out }) {
      out.write(formatTokenTable(await tokens.list()));
      return 0;
    },
  },
  revoke: {
    args: ['<id>'],
    options: {},
    summary: 'revoke the token whose id (as token list shows it) starts with <id>',
    async run({ tokens, err }, [id]) {
      const revoked = await tokens.revoke(id);
      err.write(`revoked ${revoked.role} token ${revoked.id} (${revoked.name}); a running hub refuses it within seconds\n`);
      return 0;
    },
  },
};

export const TOKEN_USAGE = verbsUsage('token', VERBS);

export async function tokenCommand(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const chosen = parseVerb(args, VERBS, err);
  if (!chosen) return usage(err);
  const { verb, parsed } = chosen;
  return withConfiguredStore(
    parsed.settings,
    async (store) => {
      try {
        return await verb.run({ tokens: new TokenService(store), out, err }, parsed.positional, parsed.options);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        err.write(`refused: ${error.message}\n`);
        return error.code === 'bad_id' ? 2 : 1;
      }
    },
    err,
  );
}

function usage(err: NodeJS.WritableStream): number {
  err.write(`usage:\n  ${TOKEN_USAGE}\n`);
  return 2;
}
