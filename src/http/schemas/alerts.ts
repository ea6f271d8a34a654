// Alert rules and alerts at the edge. Durations and scope are checked by the core (rules.ts)
// so a bad rule is refused with the reason in words, not a schema path.
import { Type } from 'typebox';
import { ALERT_STATES } from '../../core/alerts/alert.js';
import { MAX_WINDOW_MS, RULE_KINDS, THRESHOLD_OPS, WATCHED_PRESENCE } from '../../core/alerts/rules.js';
import { LIMITS } from '../../core/model.js';
import { StringEnum, StringMap } from './common.js';

const Id = Type.String({ minLength: 1, maxLength: LIMITS.idMaxLength });

export const WebhookSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
    secret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'signs each body: X-Hub-Signature-256: sha256=<hex HMAC-SHA256>' }),
    ),
  },
  { additionalProperties: false },
);

/** POST /api/rules, PUT /api/rules/:id */
export const RuleInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: StringEnum(RULE_KINDS, {
      description:
        'threshold: a metric above or below a value; absence: no data; presence: offline or stale; increase: how much a counter grew over the last windowMs above or below a value; rate: that increase per second',
    }),
    metric: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    op: Type.Optional(StringEnum(THRESHOLD_OPS)),
    value: Type.Optional(Type.Number()),
    windowMs: Type.Optional(
      Type.Number({
        description: `increase and rate: the sliding window's length in milliseconds of reading time, at most ${MAX_WINDOW_MS} (a week)`,
      }),
    ),
    durationMs: Type.Number({
      description: 'how long the condition must hold (threshold, increase, rate: in reading time) before the alert fires',
    }),
    devices: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 10_000, description: 'absent: every device that has the metric' })),
    states: Type.Optional(Type.Array(StringEnum(WATCHED_PRESENCE), { minItems: 1 })),
    webhook: Type.Optional(WebhookSchema),
  },
  { additionalProperties: false },
);

export const RuleSchema = Type.Intersect([
  RuleInputSchema,
  Type.Object({ id: Type.String(), createdAt: Type.Number(), updatedAt: Type.Number() }),
]);
export const RuleList = Type.Object({ rules: Type.Array(RuleSchema) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const Values = StringMap(Type.Union([Type.Number(), Type.String()]));

export const AlertSchema = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  deviceId: Type.String(),
  state: StringEnum(ALERT_STATES),
  since: Type.Number(),
  updatedAt: Type.Number(),
  values: Values,
  acknowledged: Type.Union([Type.Object({ at: Type.Number(), by: Type.String() }), Type.Null()]),
  transitions: Type.Array(Type.Object({ state: Type.String(), at: Type.Number(), values: Values })),
  deliveries: Type.Array(
    Type.Object({
      state: StringEnum(ALERT_STATES),
      attempt: Type.Integer(),
      at: Type.Number(),
      ok: Type.Boolean(),
      status: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.String()),
    }),
  ),
});

export const AlertList = Type.Object({ alerts: Type.Array(AlertSchema) });
export const AlertListQuery = Type.Object({ state: Type.Optional(StringEnum(ALERT_STATES)) });
