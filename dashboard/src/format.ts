// How times and values read on screen: in the browser's own locale (decimal comma, 24-hour
// clock and day-month order where that is the custom) and the browser's local time zone.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const instantFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function relativeTime(ts: number | null, now = Date.now()): string {
  if (ts === null) return 'never';
  const s = Math.round((now - ts) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function formatValue(value: number, unit?: string): string {
  const text = formatNumber(value);
  return unit ? `${text} ${unit}` : text;
}

/** A time of day with seconds, for events of the last hours. */
export function formatTime(ts: number): string {
  return timeFormat.format(ts);
}

/** Date and time, for anything that may be older than today. */
export function formatInstant(ts: number): string {
  return instantFormat.format(ts);
}

/** Value for an <input type="datetime-local"> in local time. */
export function toLocalInput(ts: number): string {
  const d = new Date(ts - new Date(ts).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
