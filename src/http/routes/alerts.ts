// Alert rules (viewers read, operators write) and alerts (viewers list, operators acknowledge).
// A rule the core refuses is answered 400 with its reason code and the reason in words.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AlertService } from '../../core/alerts/alert-service.js';
import { RuleError } from '../../core/alerts/rules.js';
import type { AlertRule } from '../../core/alerts/rules.js';
import { HttpError, notFound } from '../errors.js';
import { roleAllows } from '../roles.js';
import { AlertList, AlertListQuery, AlertSchema, IdParams, RuleInputSchema, RuleList, RuleSchema } from '../schemas/alerts.js';
import { ErrorSchema } from '../schemas/common.js';

export interface AlertRouteDeps {
  alerts: AlertService;
}

const operator = { role: 'operator' as const };

export const alertRoutes: FastifyPluginAsyncTypebox<AlertRouteDeps> = async (app, { alerts }) => {
  const refused = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (err) {
      if (err instanceof RuleError) throw new HttpError(400, err.code, err.message);
      throw err;
    }
  };

  // A webhook's secret signs the hub's notifications: whoever may not change rules does not see it.
  const shown = (rule: AlertRule, request: FastifyRequest): AlertRule => {
    if (!rule.webhook?.secret || roleAllows(request.principal?.role ?? 'viewer', 'operator')) return rule;
    return { ...rule, webhook: { url: rule.webhook.url } };
  };

  app.get(
    '/api/rules',
    { schema: { summary: 'Alert rules (webhook secrets shown to operators only)', response: { 200: RuleList } } },
    async (request) => ({ rules: alerts.rules.list().map((rule) => shown(rule, request)) }),
  );

  app.get(
    '/api/rules/:id',
    { schema: { summary: 'One alert rule', params: IdParams, response: { 200: RuleSchema, 404: ErrorSchema } } },
    async (request) => {
      const rule = alerts.rules.get(request.params.id);
      if (!rule) throw notFound(`no rule "${request.params.id}"`);
      return shown(rule, request);
    },
  );

  app.post(
    '/api/rules',
    {
      config: operator,
      schema: { summary: 'Make an alert rule', body: RuleInputSchema, response: { 201: RuleSchema, 400: ErrorSchema } },
    },
    async (request, reply) => {
      const rule = await refused(alerts.createRule(request.body));
      reply.status(201);
      return rule;
    },
  );

  app.put(
    '/api/rules/:id',
    {
      config: operator,
      schema: {
        summary: 'Replace an alert rule',
        params: IdParams,
        body: RuleInputSchema,
        response: { 200: RuleSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const rule = await refused(alerts.replaceRule(request.params.id, request.body));
      if (!rule) throw notFound(`no rule "${request.params.id}"`);
      return rule;
    },
  );

  app.delete(
    '/api/rules/:id',
    {
      config: operator,
      schema: {
        summary: 'Remove an alert rule (its active alerts resolve)',
        params: IdParams,
        response: { 204: Type.Null(), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      if (!(await alerts.removeRule(request.params.id))) throw notFound(`no rule "${request.params.id}"`);
      reply.status(204);
      return null;
    },
  );

  app.get(
    '/api/alerts',
    { schema: { summary: 'Alerts, newest change first', querystring: AlertListQuery, response: { 200: AlertList } } },
    async (request) => ({ alerts: await alerts.alerts.list(request.query.state) }),
  );

  app.get(
    '/api/alerts/:id',
    {
      schema: {
        summary: 'One alert with its transitions and webhook deliveries',
        params: IdParams,
        response: { 200: AlertSchema, 404: ErrorSchema },
      },
    },
    async (request) => (await alerts.alerts.get(request.params.id)) ?? Promise.reject(notFound(`no alert "${request.params.id}"`)),
  );

  app.post(
    '/api/alerts/:id/ack',
    { config: operator, schema: { summary: 'Acknowledge an alert', params: IdParams, response: { 200: AlertSchema, 404: ErrorSchema } } },
    async (request) => {
      const by = request.principal?.tokenId ?? 'unknown';
      return (await alerts.acknowledge(request.params.id, by)) ?? Promise.reject(notFound(`no alert "${request.params.id}"`));
    },
  );
};
