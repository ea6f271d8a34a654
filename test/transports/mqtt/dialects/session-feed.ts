// Shared by the dialect session tests: fixture lines read from a JSON Lines file next to a test,
// and a publish fed through a session (route, then decode) summed up as one line per hub input,
// easy to compare: `status online`, `reading ambient.humidity=30.18`, `meta {...}`.
import { readFileSync } from 'node:fs';
import type { DialectInput, DialectSession } from '../../../../src/transports/mqtt/dialects/index.js';

export interface FixtureLine {
  topic: string;
  payload: string;
}

/** The `{topic, payload, ...}` lines of a JSON Lines fixture, resolved against `base` (the test's import.meta.url). */
export function fixtureLines(name: string, base: string): FixtureLine[] {
  return readFileSync(new URL(name, base), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

export function summary(input: DialectInput): string {
  switch (input.kind) {
    case 'status':
      return `status ${input.status}`;
    case 'meta':
      return `meta ${JSON.stringify(input.meta)}`;
    case 'answer':
      return `answer ${input.key}`;
    case 'readings':
      return [
        ...input.readings.map((r) => `reading ${r.metric}=${r.value}`),
        ...input.refused.map((r) => `refused ${r.metric}: ${r.detail}`),
      ].join('; ');
    default:
      return input.kind;
  }
}

/** The route's refusal code, the decode's refusal (`code: detail`), or the summaries of what it decoded. */
export function feed(session: DialectSession, topic: string, payload: string): string[] | string {
  const route = session.route(topic);
  if (!route.ok) return route.code;
  const decoded = session.decode(topic, Buffer.from(payload), 0);
  return decoded.ok ? decoded.value.map(summary) : `${decoded.code}: ${decoded.detail}`;
}
