// The JSON frames a Shelly sends, checked at the edge: Gen2's RPC notifications and answers
// (the frames of Shelly's RPC protocol) and Gen1's announce. A component's status inside a
// notification is free-form (each component has its own fields) and is read by status.ts.
import { Ajv, type ErrorObject } from 'ajv';
import { Type, type Static } from 'typebox';

const ComponentStatus = Type.Record(Type.String(), Type.Unknown());

/** `{"src", "dst", "method": "NotifyStatus", "params": {"ts": 1661517385.44, "switch:0": {...}}}`. */
export const NotificationSchema = Type.Object({
  src: Type.Optional(Type.String()),
  dst: Type.Optional(Type.String()),
  method: Type.String({ minLength: 1, maxLength: 100 }),
  params: Type.Optional(ComponentStatus),
});
export type Notification = Static<typeof NotificationSchema>;

/** `{"id": 7, "src", "dst", "result": {...}}` or `{"id": 7, …, "error": {"code": -103, "message": "…"}}`. */
export const AnswerSchema = Type.Object({
  id: Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 100 })]),
  src: Type.Optional(Type.String()),
  dst: Type.Optional(Type.String()),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(
    Type.Object({
      code: Type.Optional(Type.Number()),
      message: Type.Optional(Type.String({ maxLength: 500 })),
    }),
  ),
});
export type Answer = Static<typeof AnswerSchema>;

/** `{"id": "shelly1", "model": "SHSW-1", "mac", "ip", "new_fw": false, "fw_ver": "20220809-123240/v1.12-g99f7e0b"}`. */
export const AnnounceSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  model: Type.Optional(Type.String({ maxLength: 100 })),
  fw_ver: Type.Optional(Type.String({ maxLength: 100 })),
});
export type Announce = Static<typeof AnnounceSchema>;

const ajv = new Ajv({ allErrors: false });
const validators = {
  notification: ajv.compile<Notification>(NotificationSchema),
  answer: ajv.compile<Answer>(AnswerSchema),
  announce: ajv.compile<Announce>(AnnounceSchema),
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Parses `payload` as JSON and checks it against the named frame schema. */
export function parseFrame<K extends keyof typeof validators>(
  kind: K,
  payload: Buffer,
): Parsed<(typeof validators)[K] extends (data: unknown) => data is infer T ? T : never> {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `malformed JSON: ${(err as Error).message}` };
  }
  const validate = validators[kind];
  if (!validate(body)) return { ok: false, detail: `${kind} frame: ${describe(validate.errors?.[0])}` };
  return { ok: true, value: body as never };
}

/** Parses a component status: a JSON object of its fields. */
export function parseObject(payload: Buffer): Parsed<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `malformed JSON: ${(err as Error).message}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, detail: 'a status must be a JSON object' };
  return { ok: true, value: body as Record<string, unknown> };
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'does not match';
  const at = error.instancePath === '' ? 'the frame' : error.instancePath.slice(1).replaceAll('/', '.');
  return `${at} ${error.message ?? 'does not match'}`;
}
