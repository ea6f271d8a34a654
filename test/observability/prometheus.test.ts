// The text format of counters: one series per label set, label values escaped as the exposition
// format asks (backslash, double quote, line feed) and left as they are otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '../../src/observability/prometheus.js';

test('a counter keeps one series per label set and escapes label values that need it', () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter('hub_things_total', 'Things.');
  counter.inc({ source: 'mqtt', reason: 'bad_value' });
  counter.inc({ source: 'mqtt', reason: 'bad_value' }, 2);
  counter.inc({ source: 'line', reason: 'say "hi"\\\n' });
  counter.inc();
  assert.equal(counter.get({ source: 'mqtt', reason: 'bad_value' }), 3);
  assert.equal(counter.get(), 1);
  assert.deepEqual(counter.render().slice(2), [
    'hub_things_total{source="mqtt",reason="bad_value"} 3',
    'hub_things_total{source="line",reason="say \\"hi\\"\\\\\\n"} 1',
    'hub_things_total 1',
  ]);
});
