// Metric names per device are bounded (HUB_MAX_METRICS_PER_DEVICE): messages full of new names
// cannot grow a device's record without end (each name is in the record, rewritten on every new
// one, and in every resuming live client's replay). Readings of names past the limit are refused
// with the reason on the device's error topic and counted; known names keep flowing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { collect, provision, rawClient } from './mqtt-helpers.js';

let t: TestHub;
before(async () => {
  t = await startHub({ maxMetricsPerDevice: 50 });
});
after(() => t.stop());

test('three messages of 1,000 new names each leave the device with 50 metrics; the rest are refused with a reason', async (ctx) => {
  const key = await provision(t, 'namer-1');
  const client = await rawClient(ctx, t, { clientId: 'namer-1', username: 'namer-1', password: key });
  await client.subscribeAsync('devices/namer-1/error', { qos: 1 });
  const seen = collect(client);
  for (let m = 0; m < 3; m++) {
    const readings = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`name${m}_${i}`, i]));
    await client.publishAsync('devices/namer-1/telemetry', JSON.stringify({ readings }), { qos: 1 });
  }
  const device = (await getJson(`${t.url}/api/devices/namer-1`)).body.device;
  assert.equal(device.metrics.length, 50);
  assert.deepEqual(
    device.metrics.slice(0, 3).map((m: { name: string }) => m.name),
    ['name0_0', 'name0_1', 'name0_2'],
  );
  const errors = await waitFor(
    'refusals on the error topic',
    () => (seen.get('devices/namer-1/error')?.length ?? 0) >= 2950 && seen.get('devices/namer-1/error'),
  );
  const first = JSON.parse(errors[0]);
  assert.equal(first.code, 'bad_reading');
  assert.match(first.reason, /too many metrics: the device has 50.*HUB_MAX_METRICS_PER_DEVICE.*\(metric name0_50\)/);
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /^hub_readings_rejected_total\{source="mqtt",reason="too_many_metrics"\} 2950$/m);
  // Known names still flow.
  await client.publishAsync('devices/namer-1/telemetry', JSON.stringify({ readings: { name0_7: 7.5 } }), { qos: 1 });
  const rows = (await getJson(`${t.url}/api/devices/namer-1/readings?metric=name0_7`)).body.readings;
  assert.deepEqual(
    rows.map((r: { value: number }) => r.value),
    [7, 7.5],
  );
});
