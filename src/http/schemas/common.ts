// Schema pieces the routes share. The schemas are TypeBox: each is the JSON schema fastify
// validates (and fast-json-stringify serializes) with, and the TypeScript type the handler sees.
import { Type, type Static, type TSchema } from 'typebox';
import { LIMITS } from '../../core/model.js';

/** `{type: 'string', enum}`: the plain form validators, serializers and the OpenAPI docs all read. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** An object keyed by names the route does not know in advance (metric names, component names). */
export const StringMap = <T extends TSchema>(value: T) =>
  Type.Unsafe<Record<string, Static<T>>>(Type.Object({}, { additionalProperties: value }));

/** Every 4xx and 5xx answer of the API (errors.ts makes them). */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });

export const DeviceIdParams = Type.Object({ id: Type.String({ maxLength: LIMITS.idMaxLength }) });
