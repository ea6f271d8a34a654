// Calendar windows in a time zone: days from local midnight, weeks from Monday, months from the
// 1st. Their starts are computed here, with the time zone rules of the runtime's Intl (ICU), and
// handed to the store as explicit boundaries: a day is 23 or 25 hours long on the days clocks change.
import { TooManyWindowsError } from './store.js';

export const CALENDAR_UNITS = ['d', 'w', 'mo'] as const;
export type CalendarUnit = (typeof CALENDAR_UNITS)[number];

const SHORTEST_MS: Record<CalendarUnit, number> = { d: 22 * 3_600_000, w: 7 * 22 * 3_600_000, mo: 27 * 24 * 3_600_000 };

const LAST_WALL_MS = 8.64e15 - 2 * 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows the IANA time zone name (Intl throws RangeError on an unknown one). */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The local wall-clock date and time at instant `t`, as fields. */
function localFields(t: number, timeZone: string): { y: number; m: number; d: number; wallMs: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wallMs = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (t % 1000);
  return { y: parts.year, m: parts.month, d: parts.day, wallMs };
}

/** Offset of local time from UTC at instant `t`, in ms. */
function offsetAt(t: number, timeZone: string): number {
  return localFields(t, timeZone).wallMs - t;
}

/**
 * The instant local midnight starts the date (y, m, d) — Date.UTC rolls over days and months. A
 * midnight that the clocks skip (a change at 00:00) gives the first instant after the gap.
 */
export function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  // Past the last instant a Date holds (8.64e15 ms), less a day of offsets: no midnight to find.
  if (!(wall <= LAST_WALL_MS)) return Number.POSITIVE_INFINITY;
  const guess = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(guess, timeZone);
  return offsetAt(second, timeZone) === offsetAt(guess, timeZone) ? second : Math.max(guess, second);
}

/**
 * Starts of the calendar windows that cover [from, to), and the end of the last one: window i is
 * [b[i], b[i+1]). Past `maxWindows` windows TooManyWindowsError.
 */
export function calendarBoundaries(from: number, to: number, unit: CalendarUnit, timeZone: string, maxWindows: number): number[] {
  // Refused before the loop: no time zone makes a day shorter than 22 hours (clock changes are at most 2).
  if ((to - from) / SHORTEST_MS[unit] > maxWindows + 1) throw new TooManyWindowsError(maxWindows);
  const { y, m, d } = localFields(from, timeZone);
  // The first window's local date: that day, its week's Monday, or its month's 1st.
  let date = { y, m, d };
  if (unit === 'w') date = { y, m, d: d - ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) };
  if (unit === 'mo') date = { y, m, d: 1 };
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const start =
      unit === 'mo'
        ? localMidnight(date.y, date.m + i, 1, timeZone)
        : localMidnight(date.y, date.m, date.d + i * (unit === 'w' ? 7 : 1), timeZone);
    // A window reaching past the last representable instant ends at `to`.
    out.push(Number.isFinite(start) ? start : to);
    if (!(start < to)) return out;
    if (out.length > maxWindows) throw new TooManyWindowsError(maxWindows);
  }
}
