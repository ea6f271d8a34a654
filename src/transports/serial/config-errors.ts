// Turns the devices file schema's error into a ConfigError that names the field as the file
// spells it (`devices[0].sensors[1].pin`) and says what is wrong in the words the schema carries
// (its `message`, `missing` and `elsewhere` annotations, see device-config.ts), or else in words
// made from the rule that failed.
import type { ErrorObject } from 'ajv';
import { ConfigError } from '../../config/settings.js';

interface SchemaNode {
  message?: string;
  missing?: string;
  enum?: unknown[];
  not?: unknown;
  properties?: Record<string, SchemaNode>;
}

/**
 * The validator stops at the first rule that fails. When that rule is a choice (anyOf), the
 * errors of its alternatives come before its own, so the last error is the one to report.
 */
export function configErrorOf(errors: ErrorObject[], doc: unknown): ConfigError {
  const error = errors[errors.length - 1];
  const at = fieldPath(doc, error.instancePath);
  const schema = error.parentSchema as SchemaNode;
  switch (error.keyword) {
    case 'required': {
      const field = String(error.params.missingProperty);
      return new ConfigError(join(at, field), missingMessage(schema.properties?.[field]));
    }
    case 'additionalProperties': {
      // A field refused by name (`not`, another transport's own field) is not one to suggest.
      const expected = Object.entries(schema.properties ?? {})
        .filter(([, field]) => field.not === undefined)
        .map(([name]) => name);
      return new ConfigError(join(at, String(error.params.additionalProperty)), `unknown field; expected one of ${expected.join(', ')}`);
    }
    default:
      return new ConfigError(at || 'devices file', valueMessage(error, schema));
  }
}

function missingMessage(field: SchemaNode | undefined): string {
  if (field?.missing) return field.missing;
  return field?.enum ? `is required; one of ${field.enum.join(', ')}` : 'is required';
}

function valueMessage(error: ErrorObject, schema: SchemaNode): string {
  const value: unknown = error.data;
  if (schema.message) return schema.message.replace('{value}', JSON.stringify(value));
  switch (error.keyword) {
    case 'type':
      return typeMessage(String(error.params.type), value);
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}, got ${JSON.stringify(value)}`;
    case 'minimum':
      return `must be at least ${error.params.limit}, got ${value}`;
    case 'maximum':
      return `must be at most ${error.params.limit}, got ${value}`;
    default:
      return error.message ?? 'is not valid';
  }
}

function typeMessage(type: string, value: unknown): string {
  if (type === 'object') return 'must be a mapping';
  if (type === 'array') return 'must be a list';
  if (type === 'string') return `must be a non-empty string, got ${JSON.stringify(value)}`;
  if (type === 'integer' && typeof value === 'number') return `must be a whole number, got ${value}`;
  return `must be a number, got ${JSON.stringify(value)}`;
}

/** "/devices/0/sensors/1/pin" → "devices[0].sensors[1].pin", walking the document to tell list indexes from keys. */
function fieldPath(doc: unknown, pointer: string): string {
  let at = '';
  let node = doc;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    at = Array.isArray(node) ? `${at}[${key}]` : join(at, key);
    node = (node as Record<string, unknown>)[key];
  }
  return at;
}

function join(at: string, field: string): string {
  return at ? `${at}.${field}` : field;
}
