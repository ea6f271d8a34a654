// API tokens for admins: list them, make one (the token is in that answer only), revoke one. A
// revoked token is refused at once and what is open with it (streams, long-polls, control
// channels) is closed; the last admin token that has not expired cannot be revoked (409).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { TokenError, type TokenErrorCode, type TokenService } from '../auth-tokens.js';
import { HttpError, badRequest } from '../errors.js';
import { ErrorSchema } from '../schemas/common.js';
import { CreatedToken, CreateTokenRequest, TokenIdParams, TokenList } from '../schemas/token-admin.js';
import { ExpiryError, parseExpiry } from '../token-records.js';

export interface TokenAdminDeps {
  tokens: Pick<TokenService, 'list' | 'add' | 'revoke'>;
}

const STATUS: Record<TokenErrorCode, [number, string]> = {
  unknown_token: [404, 'not_found'],
  ambiguous: [409, 'ambiguous'],
  last_admin: [409, 'last_admin'],
  bad_id: [400, 'bad_request'],
};

export const tokenAdminRoutes: FastifyPluginAsyncTypebox<TokenAdminDeps> = async (app, { tokens }) => {
  const admin = { role: 'admin' as const };

  app.get(
    '/api/admin/tokens',
    {
      config: admin,
      schema: { summary: 'API tokens: id, role, name, created, expiry, last use (never the tokens)', response: { 200: TokenList } },
    },
    async () => ({ tokens: await tokens.list() }),
  );

  app.post(
    '/api/admin/tokens',
    {
      config: admin,
      schema: {
        summary: 'Make an API token (shown only in this answer)',
        body: CreateTokenRequest,
        response: { 201: CreatedToken, 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { role, name, expiresAt } = request.body;
      let expiry: Date | undefined;
      try {
        expiry = expiresAt === undefined ? undefined : parseExpiry(expiresAt);
      } catch (err) {
        if (err instanceof ExpiryError) throw badRequest(`expiresAt: ${err.message}`);
        throw err;
      }
      const { token, tokenId, info } = await tokens.add(role, { name, expiresAt: expiry });
      reply.status(201);
      return { token, id: tokenId, info };
    },
  );

  app.delete(
    '/api/admin/tokens/:id',
    {
      config: admin,
      schema: {
        summary: 'Revoke an API token by its id (or a prefix of it); what is open with it is closed at once',
        params: TokenIdParams,
        response: { 204: Type.Null(), 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      try {
        await tokens.revoke(request.params.id);
      } catch (err) {
        if (!(err instanceof TokenError)) throw err;
        const [status, code] = STATUS[err.code];
        throw new HttpError(status, code, err.message);
      }
      reply.status(204);
      return null;
    },
  );
};
