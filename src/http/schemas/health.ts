// GET /api/health: overall status, version, uptime, and what each component reported.
import { Type } from 'typebox';
import { StringMap, StringEnum } from './common.js';

/** Components add what they know (the store its kind, the broker its clients); all of it is kept. */
export const ComponentHealth = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }, { additionalProperties: true });

export const Health = Type.Object({
  status: StringEnum(['ok', 'degraded']),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  components: StringMap(ComponentHealth),
});
