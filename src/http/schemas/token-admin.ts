// The admin routes of API tokens: list them (never the tokens themselves), make one (shown only
// in that answer), revoke one by the id `token list` shows.
import { Type } from 'typebox';
import { ROLES } from '../roles.js';
import { TOKEN_ID_MIN_PREFIX } from '../token-records.js';
import { StringEnum } from './common.js';

const Time = Type.String({ description: 'ISO-8601' });

/** A token as listed: its id (the start of its hash), role, name and times; never the token. */
export const TokenInfoSchema = Type.Object({
  id: Type.String({ description: 'the first characters of the token’s SHA-256; what DELETE takes' }),
  role: StringEnum(ROLES),
  name: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Union([Time, Type.Null()], { description: 'null: it does not expire' }),
  lastUsedAt: Type.Union([Time, Type.Null()], { description: 'within a minute; null: not used since it was made' }),
  expired: Type.Boolean(),
});

/** GET /api/admin/tokens */
export const TokenList = Type.Object({ tokens: Type.Array(TokenInfoSchema) });

/** POST /api/admin/tokens */
export const CreateTokenRequest = Type.Object(
  {
    role: StringEnum(ROLES),
    name: Type.String({ minLength: 1, maxLength: 200, description: 'what the token is for, shown by token list' }),
    expiresAt: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'an ISO-8601 time in the future, or a duration from now: 30d, 12h, 90m, 2w; absent: it does not expire',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The new token, shown only in this answer, with its id for listing and revoking. */
export const CreatedToken = Type.Object({ token: Type.String(), id: Type.String(), info: TokenInfoSchema });

/** DELETE /api/admin/tokens/:id */
export const TokenIdParams = Type.Object({
  id: Type.String({ minLength: TOKEN_ID_MIN_PREFIX, maxLength: 64, pattern: '^[0-9a-fA-F]+$' }),
});
