// Calendar windows in a time zone, against dates read off a calendar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calendarBoundaries, isTimeZone, localMidnight } from '../../src/core/calendar.js';
import { TooManyWindowsError } from '../../src/core/store.js';

const H = 3_600_000;
const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());

test('days follow local midnight; the 2026 DST days in Amsterdam last 23 and 25 hours', () => {
  const march = calendarBoundaries(Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 2, 30, 12), 'd', 'Europe/Amsterdam', 10);
  assert.deepEqual(iso(march), [
    '2026-03-27T23:00:00.000Z',
    '2026-03-28T23:00:00.000Z',
    '2026-03-29T22:00:00.000Z',
    '2026-03-30T22:00:00.000Z',
  ]);
  assert.equal(march[2] - march[1], 23 * H);
  const october = calendarBoundaries(Date.UTC(2026, 9, 25, 0), Date.UTC(2026, 9, 25, 23), 'd', 'Europe/Amsterdam', 10);
  assert.deepEqual(iso(october), ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
  assert.equal(october[1] - october[0], 25 * H);
  // +05:30 all year: midnight at 18:30 UTC.
  assert.deepEqual(iso(calendarBoundaries(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 12), 'd', 'Asia/Kolkata', 10)), [
    '2025-12-31T18:30:00.000Z',
    '2026-01-01T18:30:00.000Z',
  ]);
});

test('weeks start on Monday and months on the 1st, across year and DST changes', () => {
  // Sunday 29 March 2026 lies in the week from Monday 23 March.
  const weeks = calendarBoundaries(Date.UTC(2026, 2, 29, 12), Date.UTC(2026, 3, 1), 'w', 'Europe/Amsterdam', 10);
  assert.deepEqual(iso(weeks), ['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-04-05T22:00:00.000Z']);
  const months = calendarBoundaries(Date.UTC(2025, 11, 15), Date.UTC(2026, 2, 31), 'mo', 'Europe/Amsterdam', 10);
  assert.deepEqual(iso(months), [
    '2025-11-30T23:00:00.000Z',
    '2025-12-31T23:00:00.000Z',
    '2026-01-31T23:00:00.000Z',
    '2026-02-28T23:00:00.000Z',
    '2026-03-31T22:00:00.000Z',
  ]);
  assert.equal(localMidnight(2026, 1, 1, 'UTC'), Date.UTC(2026, 0, 1));
});

test('too many windows are refused before they are built; unknown zones are told apart', () => {
  assert.throws(() => calendarBoundaries(0, Date.UTC(2026, 0, 1), 'd', 'UTC', 100), TooManyWindowsError);
  // The last week reaches past the last instant a Date holds: it ends at `to`.
  const last = calendarBoundaries(8.64e15 - 86_400_000, 8.64e15, 'w', 'Europe/Amsterdam', 10);
  assert.equal(last.at(-1), 8.64e15);
  assert.ok(last[0] <= 8.64e15 - 86_400_000);
  assert.equal(isTimeZone('Europe/Amsterdam'), true);
  assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
});
