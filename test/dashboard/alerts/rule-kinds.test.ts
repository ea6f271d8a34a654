// The rule form's kinds as data and its durations in human units: pure logic from
// dashboard/src/alerts (rule-kinds.ts, durations.ts), run under Node. The kinds the hub does not
// accept yet (increase, rate) are checked here only, not against a hub.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationText, fromMs, toMs } from '../../../dashboard/src/alerts/durations.ts';
import { kindSpec, RULE_KIND_SPECS, ruleSummary, scopeText } from '../../../dashboard/src/alerts/rule-kinds.ts';

describe('durations in human units', () => {
  it('converts seconds, minutes and hours to milliseconds', () => {
    assert.equal(toMs(90, 'seconds'), 90_000);
    assert.equal(toMs(5, 'minutes'), 300_000);
    assert.equal(toMs(1.5, 'hours'), 5_400_000);
  });

  it('shows a stored duration in the largest unit it fills exactly', () => {
    assert.deepEqual(fromMs(7_200_000), { amount: 2, unit: 'hours' });
    assert.deepEqual(fromMs(5_400_000), { amount: 90, unit: 'minutes' });
    assert.deepEqual(fromMs(90_000), { amount: 90, unit: 'seconds' });
    assert.deepEqual(fromMs(1_500), { amount: 1.5, unit: 'seconds' });
    for (const ms of [1_000, 61_000, 3_600_000, 86_400_000]) {
      const { amount, unit } = fromMs(ms);
      assert.equal(toMs(amount, unit), ms, `${ms} ms round-trips`);
    }
    assert.equal(durationText(300_000), '5 min');
  });
});

describe('rule kinds as data', () => {
  it('offers the hub kinds and the two windowed ones, each with a duration', () => {
    assert.deepEqual(
      RULE_KIND_SPECS.map((s) => s.kind),
      ['threshold', 'absence', 'presence', 'increase', 'rate'],
    );
    for (const spec of RULE_KIND_SPECS) assert.ok(spec.fields.includes('durationMs'), `${spec.kind} has a duration`);
    for (const kind of ['increase', 'rate']) assert.deepEqual(kindSpec(kind)?.fields, ['metric', 'op', 'value', 'windowMs', 'durationMs']);
    assert.equal(kindSpec('presence')?.fields.includes('metric'), false);
    assert.equal(kindSpec('absence')?.metricRequired, false);
  });

  it('sums a rule up in one line, and names a kind it does not know', () => {
    const base = { name: 'r', durationMs: 60_000 };
    assert.equal(ruleSummary({ ...base, kind: 'threshold', metric: 'temp', op: 'above', value: -12 }), 'temp above -12 for 1 min');
    assert.equal(
      ruleSummary({ ...base, kind: 'increase', metric: 'energy', op: 'above', value: 3, windowMs: 3_600_000 }),
      'energy increase above 3 in 1 h for 1 min',
    );
    assert.equal(
      ruleSummary({ ...base, kind: 'rate', metric: 'energy', op: 'below', value: 0.5, windowMs: 600_000 }),
      'energy rate below 0.5/s in 10 min for 1 min',
    );
    assert.equal(ruleSummary({ ...base, kind: 'absence' }), 'no data for 1 min');
    assert.equal(ruleSummary({ ...base, kind: 'presence', states: ['offline'] }), 'offline for 1 min');
    assert.equal(ruleSummary({ ...base, kind: 'forecast' }), 'forecast');
    assert.equal(scopeText({ ...base, kind: 'threshold', metric: 'temp' }), 'all devices with temp');
    assert.equal(scopeText({ ...base, kind: 'presence', devices: ['a', 'b'] }), '2 devices');
  });
});
