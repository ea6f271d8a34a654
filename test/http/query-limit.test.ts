// A viewer's request cannot block the hub: an aggregate whose windows cut every hour (every=3599s)
// must unpack every sample, so past HUB_QUERY_MAX_SAMPLES it is refused with a 400 that says what
// to change; windows holding whole hours are answered from summaries at any length. Asked with curl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startHub } from '../helpers/hub.js';
import { provision, rawClient } from '../transports/mqtt/mqtt-helpers.js';

const curl = async (url: string) => {
  const { stdout } = await promisify(execFile)('curl', ['-s', '-w', '\n%{http_code}', url]);
  const [body, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
  return { status: Number(status), body: JSON.parse(body) };
};

test('every=3599s over more samples than the limit is refused with 400 and the reason; every=1h is answered', async (t) => {
  const hub = await startHub(t, { queryMaxSamples: 5000 });
  const key = await provision(hub, 'logger-1');
  const client = await rawClient(t, hub, { clientId: 'logger-1', username: 'logger-1', password: key });
  // Three hours of one sample a second, sent as timed batches.
  const from = Math.floor((Date.now() - 4 * 3_600_000) / 3_600_000) * 3_600_000;
  for (let hour = 0; hour < 3; hour++) {
    const batch = Array.from({ length: 3600 }, (_, i) => ({ ts: from + (hour * 3600 + i) * 1000, readings: { t: i % 100 } }));
    await client.publishAsync('devices/logger-1/telemetry', JSON.stringify({ batch }), { qos: 1 });
  }
  const to = from + 3 * 3_600_000;
  const url = (every: string) => `${hub.url}/api/devices/logger-1/readings?metric=t&every=${every}&from=${from}&to=${to}`;
  const refused = await curl(url('3599s'));
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, 'bad_request');
  assert.match(
    refused.body.message,
    /would read 10800 samples one by one, more than the 5000 .*HUB_QUERY_MAX_SAMPLES.*whole number of hours/,
  );
  const hourly = await curl(url('1h'));
  assert.equal(hourly.status, 200);
  assert.deepEqual(
    hourly.body.points.map((p: { count: number }) => p.count),
    [3600, 3600, 3600],
  );
  // 90-minute windows: two of the three hours lie inside one window each, one is cut (3600 samples).
  const ninety = await curl(url('90m'));
  assert.equal(ninety.status, 200);
  assert.equal(
    ninety.body.points.reduce((n: number, p: { count: number }) => n + p.count, 0),
    10800,
  );
});
