// Parsing of the time parameters the history routes share: instants as ISO-8601 or Unix ms, and
// window sizes as "<n>s|m|h|d" or plain milliseconds.
import { isTimeZone, type CalendarUnit } from '../core/calendar.js';
import { badRequest } from './errors.js';

export const MIN_EVERY_MS = 1_000;
export const MAX_EVERY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** The last instant a JavaScript Date can hold; beyond it no time can be formatted or compared. */
const MAX_INSTANT_MS = 8.64e15;

export function parseInstant(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (/^-?\d+$/.test(value)) return inRange(Number(value), name, value);
  // Only full ISO-8601 forms; Date.parse alone would also take "March 5" in local time.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw badRequest(`${name} must be ISO-8601 (2026-01-31T12:00:00Z) or Unix milliseconds, got "${value}"`);
  }
  // A date-time without an offset is read as UTC: the hub keeps and answers in UTC only.
  const withZone = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) || !value.includes('T') ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  // Date.parse rolls 2026-02-30 over into March; a day the month does not have is an error.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  if (Number.isNaN(ms) || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) {
    throw badRequest(`${name} is not a valid date: "${value}"`);
  }
  return inRange(ms, name, value);
}

function inRange(ms: number, name: string, value: string): number {
  if (ms < 0 || ms > MAX_INSTANT_MS) {
    throw badRequest(`${name} must lie between 1970-01-01 and 275760-09-13, got "${value}"`);
  }
  return ms;
}

/** every=1d, 1w or 1mo: windows that follow the calendar of a time zone (core/calendar.ts). */
export function calendarUnitOf(every: string): CalendarUnit | null {
  const m = /^1(d|w|mo)$/.exec(every);
  return m ? (m[1] as CalendarUnit) : null;
}

/** tz: an IANA name the runtime knows; 400 otherwise. */
export function parseTimeZone(value: string | undefined): string {
  if (value === undefined || value === '') return 'UTC';
  if (!isTimeZone(value)) throw badRequest(`tz must be an IANA time zone name such as Europe/Amsterdam, got "${value}"`);
  return value;
}

export function parseEvery(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m) throw badRequest(`every must look like 30s, 5m, 1h, 1d or a number of milliseconds, got "${value}"`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms'];
  if (ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) throw badRequest(`every must be between 1s and 1d, got "${value}"`);
  return ms;
}
