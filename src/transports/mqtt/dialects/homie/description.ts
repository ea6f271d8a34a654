// Homie 5's `$description`: the whole device in one retained JSON document (its name and every
// node's properties with datatype, unit, settable and format), checked by its schema here so the
// session gets typed values. Fields the hub does not use (retained, $target, node types) pass.
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';
import { DATATYPES } from './properties.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 64 });

const PropertySchema = Type.Object({
  datatype: Type.Union(DATATYPES.map((d) => Type.Literal(d))),
  name: Type.Optional(Type.String()),
  settable: Type.Optional(Type.Boolean()),
  unit: Type.Optional(Type.String({ maxLength: 32 })),
  format: Type.Optional(Type.String({ maxLength: 1000 })),
});

const NodeSchema = Type.Object({
  name: Type.Optional(Type.String()),
  properties: Type.Optional(Type.Record(Id, PropertySchema)),
});

const DescriptionSchema = Type.Object({
  homie: Type.Optional(Type.String()),
  version: Type.Optional(Type.Integer()),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  nodes: Type.Optional(Type.Record(Id, NodeSchema)),
});

export type Description = Static<typeof DescriptionSchema>;

const validate = new Ajv({ allErrors: false }).compile<Description>(DescriptionSchema);

/** The description, or what is wrong with it in words a device developer can act on. */
export function parseDescription(payload: string): { ok: true; value: Description } | { ok: false; detail: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch (err) {
    return { ok: false, detail: `$description is not JSON: ${(err as Error).message}` };
  }
  if (validate(doc)) return { ok: true, value: doc };
  const error = validate.errors?.[0];
  const where = error?.instancePath ? `$description${error.instancePath.replaceAll('/', '.')}` : '$description';
  return { ok: false, detail: `${where} ${error?.message ?? 'is not a Homie 5 description'}` };
}
