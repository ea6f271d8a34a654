// The periods the energy view shows: a day in hours, a month in days, a year in months, all in the
// browser's time zone. Their bars start at local midnights and month starts, so a day on which the
// clocks change has 23 or 25 hours; the hub is asked for the same calendar windows (every=1d or
// 1mo with tz), and for hours, which are whole hours of UTC in every zone with whole-hour offsets.
export type PeriodUnit = 'day' | 'month' | 'year';

export interface Period {
  unit: PeriodUnit;
  year: number;
  /** 1–12; 1 for a year. */
  month: number;
  /** 1–31; 1 for a month or a year. */
  day: number;
}

export interface PeriodWindows {
  /** Start of each bar, then the end of the last: bar i is [starts[i], starts[i + 1]). */
  bounds: number[];
  /** What the hub's readings route takes as `every`. */
  every: '1h' | '1d' | '1mo';
  /** The browser's time zone, for calendar windows (not for hours, which the route takes without). */
  tz: string | undefined;
}

export const PERIOD_UNITS: readonly PeriodUnit[] = ['day', 'month', 'year'];
const HOUR_MS = 3_600_000;

export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The period holding `ts` in local time. */
export function periodAt(unit: PeriodUnit, ts: number): Period {
  const d = new Date(ts);
  return normalise({ unit, year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() });
}

function normalise(p: Period): Period {
  return { unit: p.unit, year: p.year, month: p.unit === 'year' ? 1 : p.month, day: p.unit === 'day' ? p.day : 1 };
}

/** "2025-10-26", "2025-10" or "2025", as the address carries it. */
export function periodKey(p: Period): string {
  const mm = String(p.month).padStart(2, '0');
  const dd = String(p.day).padStart(2, '0');
  return p.unit === 'year' ? String(p.year) : p.unit === 'month' ? `${p.year}-${mm}` : `${p.year}-${mm}-${dd}`;
}

/** The period an address names; null for anything else. */
export function parsePeriod(key: string): Period | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > new Date(year, month, 0).getDate()) return null;
  return { unit: m[3] ? 'day' : m[2] ? 'month' : 'year', year, month, day };
}

/** The period `steps` days, months or years away (Date rolls over month and year ends). */
export function shift(p: Period, steps: number): Period {
  const d = new Date(
    p.year + (p.unit === 'year' ? steps : 0),
    p.month - 1 + (p.unit === 'month' ? steps : 0),
    p.day + (p.unit === 'day' ? steps : 0),
  );
  return normalise({ unit: p.unit, year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() });
}

/** The same moment seen with another unit: the month of a day, the first day of a month. */
export function withUnit(p: Period, unit: PeriodUnit): Period {
  return normalise({ ...p, unit });
}

export function windowsOf(p: Period): PeriodWindows {
  const bounds: number[] = [];
  if (p.unit === 'day') {
    const start = new Date(p.year, p.month - 1, p.day).getTime();
    const end = new Date(p.year, p.month - 1, p.day + 1).getTime();
    for (let t = start; t < end; t += HOUR_MS) bounds.push(t);
    bounds.push(end);
    return { bounds, every: '1h', tz: undefined };
  }
  if (p.unit === 'month') {
    const days = new Date(p.year, p.month, 0).getDate();
    for (let d = 1; d <= days + 1; d++) bounds.push(new Date(p.year, p.month - 1, d).getTime());
    return { bounds, every: '1d', tz: timeZone() };
  }
  for (let m = 0; m <= 12; m++) bounds.push(new Date(p.year, m, 1).getTime());
  return { bounds, every: '1mo', tz: timeZone() };
}

const titleFormats: Record<PeriodUnit, Intl.DateTimeFormat> = {
  day: new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }),
  month: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long' }),
  year: new Intl.DateTimeFormat(undefined, { year: 'numeric' }),
};

/** "Sunday, 26 October 2025", "October 2025", "2025". */
export function periodTitle(p: Period): string {
  return titleFormats[p.unit].format(new Date(p.year, p.month - 1, p.day));
}

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const zonedHourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short' });
const monthLongFormat = new Intl.DateTimeFormat(undefined, { month: 'long' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/**
 * What a bar is called: its hour, day or month. On a day with 23 or 25 hours the hours carry
 * the zone's name, so the two 02:00 of a 25-hour day can be told apart.
 */
export function barLabels(p: Period, bounds: readonly number[]): { short: string[]; long: string[] } {
  const starts = bounds.slice(0, -1);
  if (p.unit === 'day') {
    const uneven = starts.length !== 24;
    return { short: starts.map((t) => hourFormat.format(t)), long: starts.map((t) => (uneven ? zonedHourFormat : hourFormat).format(t)) };
  }
  if (p.unit === 'month') return { short: starts.map((t) => String(new Date(t).getDate())), long: starts.map((t) => dateFormat.format(t)) };
  return {
    short: starts.map((t) => monthFormat.format(t)),
    long: starts.map((t) => `${monthLongFormat.format(t)} ${new Date(t).getFullYear()}`),
  };
}
