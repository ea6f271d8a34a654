// Credentials never reach a log line: API tokens (`thub_…`, `?token=`, `Authorization: Bearer`),
// device keys and passwords are replaced wherever they appear in what is logged, as a field named
// like a secret or inside any string (a URL, an error message or stack).
const SECRET_FIELD = /^(token|key|password|passwd|secret|authorization)$/i;
const SECRET_IN_TEXT: Array<[RegExp, string]> = [
  [/([?&](?:token|key|password|access_token)=)[^&#\s"']*/gi, '$1[redacted]'],
  [/(bearer\s+)[^\s"',]+/gi, '$1[redacted]'],
  [/thub_[A-Za-z0-9_-]+/g, 'thub_[redacted]'],
];
const MAX_DEPTH = 4;

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` with secrets replaced; objects are copied only as deep as MAX_DEPTH. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  // Errors go on to the err serializer, which redacts their message and stack.
  if (value === null || typeof value !== 'object' || value instanceof Error || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [field, item] of Object.entries(value)) {
    out[field] = SECRET_FIELD.test(field) && item !== undefined && item !== null ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}
