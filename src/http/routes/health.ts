// Health and Prometheus metrics. Components report health through small checks the composition
// root hands in (store, broker, ...), so this route knows none of them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { type ComponentHealth, Health } from '../schemas/common.js';

export interface HealthCheck {
  name: string;
  check(): Promise<Static<typeof ComponentHealth>>;
}

export interface HealthRouteDeps {
  checks: HealthCheck[];
  version: string;
  startedAt: number;
  renderMetrics: () => string;
  /** Who may read /metrics: anyone (the Prometheus convention) or a viewer token (HUB_METRICS_AUTH). */
  metricsRole: 'public' | 'viewer';
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRouteDeps> = async (app, deps) => {
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Store and broker status, uptime and version',
        response: { 200: Health },
      },
    },
    async () => {
      const components: Record<string, Static<typeof ComponentHealth>> = {};
      for (const c of deps.checks) {
        try {
          components[c.name] = await c.check();
        } catch (err) {
          components[c.name] = { ok: false, detail: (err as Error).message };
        }
      }
      const ok = Object.values(components).every((c) => c.ok);
      return {
        status: ok ? ('ok' as const) : ('degraded' as const),
        version: deps.version,
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 100) / 10,
        components,
      };
    },
  );

  app.get(
    '/metrics',
    { config: { role: deps.metricsRole }, schema: { summary: 'Prometheus metrics (text format)', produces: ['text/plain'] } },
    async (_request, reply) => {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return deps.renderMetrics();
    },
  );
};
