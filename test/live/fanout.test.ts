// One hub, 1,000 SSE clients on loopback: every client receives every event, in order. A
// deliberately stalled client (it stops reading its socket) falls behind until its queue bound
// is passed and the hub cuts it off, while the other clients keep receiving all along.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startHub, waitFor } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';
import { openSse, type SseReader } from './sse-reader.js';

const CLIENTS = 1_000;
const BIG_METRICS = 1_000;

test(`${CLIENTS} clients get every event in order; a stalled client is cut off without holding the rest`, async (ctx) => {
  // Every client comes from 127.0.0.1 (auth off: one owner), so the cap per address is raised.
  const t = await startHub(ctx, { liveClientQueue: 20, liveHistorySize: 100, liveMaxConnectionsPerToken: CLIENTS + 1 });
  const clients: SseReader[] = [];
  await t.hub.devices.register({ id: 'fan', name: 'Small events', transport: 'simulator' });
  const bigMetrics = Array.from(
    { length: BIG_METRICS },
    (_, i) => `metric_with_a_rather_long_name_to_make_large_events_${String(i).padStart(4, '0')}`,
  );
  await t.hub.devices.register({
    id: 'big',
    name: 'Large events',
    transport: 'simulator',
    metrics: bigMetrics.map((name) => ({ name })),
  });

  for (let i = 0; i < CLIENTS; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: 100 }, () => openSse(ctx, `${t.url}/api/stream?devices=fan&types=reading`)))));
  }
  // The stalled client asks for the large events, then never reads another byte.
  const { port } = new URL(t.url);
  const stalled = connect(Number(port), '127.0.0.1');
  teardown(ctx, () => stalled.destroy());
  stalled.on('error', () => {});
  stalled.write('GET /api/stream?devices=big&types=reading HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n');
  stalled.pause();
  await waitFor('every client to be registered', () => t.hub.live.clientCount === CLIENTS + 1);

  let sent = 0;
  const pair = async () => {
    sent += 1;
    const small = t.hub.ingest.submit({ deviceId: 'fan', readings: [{ metric: 'n', value: sent }], source: 'test' });
    const big = t.hub.ingest.submit({ deviceId: 'big', readings: bigMetrics.map((metric) => ({ metric, value: sent })), source: 'test' });
    await Promise.all([small.durable, big.durable]);
  };
  const everyoneHas = (n: number) => clients.every((c) => c.events.length >= n);

  // While the stalled client is still connected and not reading, the others get everything.
  for (let i = 0; i < 20; i++) await pair();
  await waitFor('all clients to have the first 20 events', () => everyoneHas(20), 30_000);
  const slowDrops = () => t.hub.metrics.registry.render().includes('hub_live_clients_dropped_total{reason="slow"} 1');
  assert.equal(slowDrops(), false, 'the stalled client is still connected at this point');

  // Keep going until the stalled client's queue bound is passed.
  for (let i = 0; i < 2_000 && !slowDrops(); i++) await pair();
  assert.ok(slowDrops(), 'the stalled client was cut off');
  ctx.diagnostic(`the stalled client was cut off after ${sent} large events`);
  await waitFor('the stalled client to be gone', () => t.hub.live.clientCount === CLIENTS);
  for (let i = 0; i < 5; i++) await pair();

  await waitFor(`all clients to have all ${sent} events`, () => everyoneHas(sent), 30_000);
  const expected = Array.from({ length: sent }, (_, i) => i + 1);
  for (const c of clients) {
    const values = c.events.map((e) => JSON.parse(e.data).readings[0].value);
    assert.deepEqual(values, expected);
    const ids = c.events.map((e) => Number(e.id));
    assert.ok(
      ids.every((id, i) => i === 0 || id > ids[i - 1]),
      'ids increase',
    );
  }
});
