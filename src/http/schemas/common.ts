// Schema pieces the routes share, and the answers about the hub itself (health, whoami). The
// schemas are TypeBox: each is the JSON schema fastify validates, serializes (fast-json-stringify)
// and documents at /docs with, and the TypeScript type the handler sees.
import { Type, type Static, type TSchema } from 'typebox';
import { LIMITS } from '../../core/model.js';
import { ROLES } from '../roles.js';

/** `{type: 'string', enum}`: the plain form validators, serializers and the OpenAPI docs all read. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** An object keyed by names the route does not know in advance (metric names, component names). */
export const StringMap = <T extends TSchema>(value: T) =>
  Type.Unsafe<Record<string, Static<T>>>(Type.Object({}, { additionalProperties: value }));

/** Every 4xx and 5xx answer of the API (errors.ts makes them). */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });

export const DeviceIdParams = Type.Object({ id: Type.String({ maxLength: LIMITS.idMaxLength }) });

/** Components add what they know (the store its kind, the broker its clients); all of it is kept. */
export const ComponentHealth = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }, { additionalProperties: true });

/** GET /api/health: overall status, version, uptime, and what each component reported. */
export const Health = Type.Object({
  status: StringEnum(['ok', 'degraded']),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  components: StringMap(ComponentHealth),
});

/** GET /api/auth/whoami: the role of the presented token. */
export const WhoAmI = Type.Object({ role: StringEnum(ROLES) });
