// The energy view's pure parts under Node in Europe/Amsterdam: periods and their bar boundaries
// (23- and 25-hour days), the address form of a period, stepping, which counters are charted
// together, and placing the hub's points on bars.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// The view works in the browser's zone; here the process's, set before the module reads it.
process.env.TZ = 'Europe/Amsterdam';
const { barLabels, parsePeriod, periodKey, shift, windowsOf, withUnit } = await import('../../dashboard/src/energy/periods.ts');
const { chartGroups } = await import('../../dashboard/src/energy/meters.ts');
const { perBar } = await import('../../dashboard/src/energy/energy-api.ts');

const HOUR = 3_600_000;

describe('periods', () => {
  it('reads and writes the address form, refusing dates that do not exist', () => {
    for (const key of ['2025-10-26', '2025-10', '2025', '2024-02-29']) assert.equal(periodKey(parsePeriod(key)!), key);
    for (const key of ['2025-02-29', '2025-13', '2025-00', '2025-1-2', 'today', '']) assert.equal(parsePeriod(key), null, key);
  });

  it('steps across month and year ends, and changes unit keeping the date it holds', () => {
    assert.equal(periodKey(shift(parsePeriod('2025-03-31')!, 1)), '2025-04-01');
    assert.equal(periodKey(shift(parsePeriod('2025-01-01')!, -1)), '2024-12-31');
    assert.equal(periodKey(shift(parsePeriod('2025-12')!, 1)), '2026-01');
    assert.equal(periodKey(shift(parsePeriod('2025')!, -1)), '2024');
    assert.equal(periodKey(withUnit(parsePeriod('2025-10-26')!, 'month')), '2025-10');
    assert.equal(periodKey(withUnit(parsePeriod('2025-10')!, 'day')), '2025-10-01');
  });

  it('gives a day its local hours: 23 on the day clocks go forward, 25 on the day they go back', () => {
    const spring = windowsOf(parsePeriod('2025-03-30')!);
    assert.equal(spring.bounds.length - 1, 23);
    assert.equal(spring.bounds[0], Date.UTC(2025, 2, 29, 23));
    assert.equal(spring.every, '1h');
    assert.equal(spring.tz, undefined);
    const autumn = windowsOf(parsePeriod('2025-10-26')!);
    assert.equal(autumn.bounds.length - 1, 25);
    assert.equal(autumn.bounds[25], Date.UTC(2025, 9, 26, 23));
    const labels = barLabels(parsePeriod('2025-10-26')!, autumn.bounds).long;
    assert.equal(new Set(labels).size, 25, `every hour named apart: ${labels.join(', ')}`);
  });

  it('gives a month its local midnights and a year its month starts, as calendar windows in the zone', () => {
    const march = windowsOf(parsePeriod('2025-03')!);
    assert.equal(march.bounds.length, 32);
    assert.equal(march.bounds[30] - march.bounds[29], 23 * HOUR);
    assert.deepEqual([march.every, march.tz], ['1d', 'Europe/Amsterdam']);
    const year = windowsOf(parsePeriod('2025')!);
    assert.equal(year.bounds.length, 13);
    assert.equal(year.bounds[0], Date.UTC(2024, 11, 31, 23));
    assert.equal(year.bounds[6], Date.UTC(2025, 5, 30, 22));
    assert.equal(year.every, '1mo');
  });
});

describe('counters and bars', () => {
  it('charts electricity per tariff together (returned below zero), gas apart, and leaves out totals the tariffs add up to', () => {
    const metrics = [
      { name: 'gas', unit: 'm3', kind: 'counter' as const },
      { name: 'energy_returned_tariff1', unit: 'kWh', kind: 'counter' as const },
      { name: 'energy_delivered_total', unit: 'kWh', kind: 'counter' as const },
      { name: 'energy_delivered_tariff2', unit: 'kWh', kind: 'counter' as const },
      { name: 'energy_delivered_tariff1', unit: 'kWh', kind: 'counter' as const },
      { name: 'power_delivered', unit: 'kW' },
    ];
    const groups = chartGroups({ metrics });
    assert.deepEqual(
      groups.map((g) => [g.id, g.series.map((s) => `${s.metric}${s.returned ? ' (returned)' : ''}`)]),
      [
        ['electricity', ['energy_delivered_tariff1', 'energy_delivered_tariff2', 'energy_returned_tariff1 (returned)']],
        ['gas', ['gas']],
      ],
    );
    const totalsOnly = chartGroups({ metrics: [{ name: 'energy_delivered_total', unit: 'kWh', kind: 'counter' }] });
    assert.deepEqual(
      totalsOnly[0].series.map((s) => s.metric),
      ['energy_delivered_total'],
    );
    assert.deepEqual(chartGroups({ metrics: [{ name: 'temperature', unit: '°C' }] }), []);
  });

  it("puts each of the hub's points on the bar it starts in, and leaves bars without one empty", () => {
    const bounds = [0, 10, 20, 30];
    const points = [
      { metric: 'gas', ts: 0, value: 1.5, count: 1 },
      { metric: 'gas', ts: 20, value: 2, count: 1 },
      { metric: 'gas', ts: 30, value: 9, count: 1 },
    ];
    assert.deepEqual(perBar(points, bounds), [1.5, null, 2]);
  });
});
