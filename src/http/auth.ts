// API authentication: every /api route needs a token of at least the role its route config
// names (`config: { role }`), viewer when it names none; /api/health, /metrics and /docs are
// open. Tokens come as `Authorization: Bearer <token>` or `?token=` (EventSource cannot set
// headers). Refusals are JSON 401/403, counted and logged; an address that keeps presenting bad
// tokens gets 429 for its bad tokens for a while (a valid token from it still passes); an expired
// token fails like an unknown one, with a message that says it expired. Routes that stay open
// (streams, long-polls, the control channel) register with `request.closeOnRevoke`, so they end
// when their token is revoked or expires. With auth off (a development setting) every caller is admin.
import type { AuthFailureLimiter } from '../core/auth-failure-limiter.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { HubLogger } from '../core/logger.js';
import type { MetricsRegistry } from '../observability/prometheus.js';
import { roleAllows, type Principal, type Role, type TokenService } from './auth-tokens.js';
import { WhoAmI } from './schemas/common.js';
import type { CloseConnection, TokenConnections } from './token-connections.js';

export type RouteRole = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role that may call this route; /api routes default to viewer. */
    role?: RouteRole;
  }
  interface FastifyRequest {
    /** Who called, set by the auth hook on every route that is not public. */
    principal: Principal | null;
    /**
     * Registers what ends this request's long-lived connection when its token is revoked or
     * expires; returns the function to call once the connection has closed by itself.
     */
    closeOnRevoke(close: CloseConnection): () => void;
  }
}

export interface AuthDeps {
  mode: 'on' | 'off';
  tokens: TokenService;
  limiter: AuthFailureLimiter;
  log: HubLogger;
  registry: MetricsRegistry;
  /** Open connections by token; without it (auth off, tests) nothing is tracked. */
  connections?: Pick<TokenConnections, 'track'>;
}

const OPEN_API_PATHS = new Set(['/api/health']);

const auth: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  const failures = deps.registry.counter('hub_auth_failures_total', 'API requests refused by authentication, by reason.');
  app.decorateRequest('principal', null);
  app.decorateRequest('closeOnRevoke', function (this: FastifyRequest, close: CloseConnection) {
    const tokenId = this.principal?.tokenId;
    if (deps.mode === 'off' || !deps.connections || tokenId === undefined) return () => {};
    return deps.connections.track(tokenId, close);
  });

  const refuse = (request: FastifyRequest, reply: FastifyReply, status: 401 | 403 | 429, reason: string, message: string) => {
    failures.inc({ reason });
    deps.log[reason === 'invalid' ? 'warn' : 'info']({ remote: request.ip, url: request.url.split('?')[0], reason }, 'API request refused');
    const error = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'too_many_requests';
    return reply.code(status).send({ error, message });
  };

  app.addHook('onRequest', async (request, reply) => {
    const need = requiredRole(request);
    if (need === 'public') return;
    if (deps.mode === 'off') {
      request.principal = { role: 'admin', tokenId: 'auth-off' };
      return;
    }
    const token = presentedToken(request);
    if (token === null)
      return refuse(request, reply, 401, 'missing', 'an API token is required (Authorization: Bearer <token> or ?token=)');
    // The token is checked first (a hash and a lookup): a valid one is never refused for the
    // failures of others behind the same address; a wrong one from a marked address gets 429.
    const checked = await deps.tokens.check(token);
    if (!checked.ok) {
      const wait = deps.limiter.blockedFor(request.ip);
      deps.limiter.fail(request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return refuse(request, reply, 429, 'rate_limited', `too many failed authentications from this address; retry in ${wait} s`);
      }
      if (checked.reason === 'expired') return refuse(request, reply, 401, 'expired', `the API token expired at ${checked.expiredAt}`);
      return refuse(request, reply, 401, 'invalid', 'the API token is not valid');
    }
    const { principal } = checked;
    if (!roleAllows(principal.role, need))
      return refuse(request, reply, 403, 'forbidden', `this needs the ${need} role; the token has ${principal.role}`);
    request.principal = principal;
  });

  app.get(
    '/api/auth/whoami',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'The role of the presented token',
        response: { 200: WhoAmI },
      },
    },
    async (request) => ({ role: request.principal!.role }),
  );
};

// Unencapsulated, so its hook applies to every route of the server, not only to its own context.
export const authPlugin = fp(auth, { name: 'hub-auth', fastify: '5.x' });

function requiredRole(request: FastifyRequest): RouteRole {
  const configured = request.routeOptions.config?.role;
  if (configured) return configured;
  // The router matches the percent-decoded path (/%61pi/devices finds /api/devices), so the raw
  // URL alone would let such a request past: judge by the matched route and the decoded path.
  const paths = [request.routeOptions.url, decodedPath(request.url)].filter((p): p is string => p !== undefined);
  if (paths.every((p) => OPEN_API_PATHS.has(p))) return 'public';
  return paths.some((p) => p === '/api' || p.startsWith('/api/')) ? 'viewer' : 'public';
}

function decodedPath(url: string): string {
  const path = url.split('?')[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function presentedToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  // The hook runs before any route's schema has checked the query: it is whatever the client sent.
  const query: unknown = request.query;
  const fromQuery = typeof query === 'object' && query !== null && 'token' in query ? query.token : undefined;
  return typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : null;
}
