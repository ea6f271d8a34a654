// What a chart's axes and hover read out: time ticks in the browser's locale with one format per
// axis (seconds, minutes or days, by the step between ticks, so every chart of the same span
// reads alike), value ticks at round steps with at least three per axis, and the time and value
// under the pointer.
import type uPlot from 'uplot';
import { formatInstant, formatNumber, formatTime } from './format.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;
const STEPS = [1, 2, 2.5, 5, 10];
/** Fewest value ticks on an axis; charts 120 px high still get this many. */
export const MIN_Y_TICKS = 3;
const MAX_Y_TICKS = 6;

const withSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const withMinutes = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const withDayAndMinutes = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'numeric', hour: '2-digit', minute: '2-digit' });
const withDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** Steps between time ticks: uPlot's own jump from one to five minutes leaves short charts with one tick. */
export const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200]
  .map((s) => s * SECOND)
  .concat([1, 2, 7, 14, 30, 91, 182, 365].map((d) => d * DAY));

/** Labels of time ticks (ms), all in the format their step needs. */
export function timeTickLabels(splits: number[], spanMs: number): string[] {
  const step = splits.length > 1 ? splits[1] - splits[0] : spanMs;
  const format =
    step >= DAY ? withDay : spanMs > DAY ? withDayAndMinutes : step < MINUTE || spanMs <= 2 * MINUTE ? withSeconds : withMinutes;
  return splits.map((ts) => format.format(ts));
}

/** Room between time ticks: a label with a day and a time needs more than one with a time. */
export function timeTickSpace(spanMs: number): number {
  return spanMs > DAY ? 110 : 80;
}

/** A value range with room for round ticks; a flat line gets a band around it. */
export function valueRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null) return [0, 1];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.05;
  return [min - pad, max + pad];
}

/** Round value ticks inside [min, max]: the largest step that still gives MIN_Y_TICKS of them. */
export function valueSplits(min: number, max: number): number[] {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return [min];
  const magnitude = 10 ** Math.floor(Math.log10(span));
  const candidates = [10, 1, 0.1, 0.01].flatMap((m) => STEPS.map((s) => s * m * magnitude)).sort((a, b) => b - a);
  for (const step of candidates) {
    const first = Math.ceil(min / step) * step;
    const count = Math.floor((max - first) / step + 1e-9) + 1;
    if (count >= MIN_Y_TICKS && count <= MAX_Y_TICKS) return Array.from({ length: count }, (_, i) => round(first + i * step, step));
  }
  return [min, (min + max) / 2, max];
}

/** Value tick labels with just enough decimals to tell neighbouring ticks apart. */
export function valueTickLabels(splits: number[]): string[] {
  const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1;
  const digits = step > 0 ? Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (isRound(step) ? 0 : 1))) : 0;
  return splits.map((v) => v.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
}

/** "14:05:10 · 21,34 °C": the point under the pointer, in the browser's locale. */
export function readout(u: uPlot, unit: string | undefined, spanMs: number): string {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined) return '';
  const ts = u.data[0][idx];
  const value = u.data[1][idx];
  if (ts === undefined || value === null || value === undefined) return '';
  const when = spanMs > DAY ? formatInstant(ts) : formatTime(ts);
  return `${when} · ${formatNumber(value)}${unit ? ` ${unit}` : ''}`;
}

function round(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(value.toFixed(Math.min(20, digits)));
}

function isRound(step: number): boolean {
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  return Math.abs(mantissa - Math.round(mantissa)) < 1e-9;
}
