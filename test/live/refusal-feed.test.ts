// Refusals on the live stream: a device's refusals reach clients as `refusal` events with the
// code, the detail, the time and the running count, at most one per device and interval, so a
// noisy device cannot flood the stream; and end to end, a message a device sends over real MQTT
// that the hub refuses shows up on an SSE client.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { EventBus } from '../../src/core/events.js';
import type { RefusalEventData } from '../../src/live/event-log.js';
import { RefusalFeed } from '../../src/live/refusal-feed.js';
import { startHub, waitFor } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';
import { provision, rawClient } from '../transports/mqtt/mqtt-helpers.js';
import { openSse } from './sse-reader.js';

/** A started feed, stopped after the test. */
function setup(t: TestContext, options = { intervalMs: 100, maxDevices: 100 }) {
  const bus = new EventBus();
  const sent: RefusalEventData[] = [];
  const feed = new RefusalFeed(bus, (refusal) => sent.push(refusal), options);
  feed.start();
  teardown(t, () => feed.stop());
  return { bus, sent };
}

test('a noisy device gets one event per interval, carrying its newest refusal and the full count', async (t) => {
  const { bus, sent } = setup(t);
  for (let i = 1; i <= 50; i++) bus.emit('refusal', { deviceId: 'noisy', source: 'line', code: 'checksum', detail: `frame ${i}` });
  bus.emit('refusal', { deviceId: 'quiet', source: 'mqtt', code: 'malformed', detail: 'malformed JSON' });
  bus.emit('refusal', { deviceId: null, source: 'mqtt', code: 'unauthenticated', detail: 'nobody to show it on' });
  assert.deepEqual(
    sent.map((r) => [r.deviceId, r.detail, r.count]),
    [
      ['noisy', 'frame 1', 1],
      ['quiet', 'malformed JSON', 1],
    ],
  );
  await waitFor('the held-back refusal of the noisy device', () => sent.length === 3, 2_000);
  assert.deepEqual(
    sent.map((r) => [r.deviceId, r.code, r.detail, r.count]),
    [
      ['noisy', 'checksum', 'frame 1', 1],
      ['quiet', 'malformed', 'malformed JSON', 1],
      ['noisy', 'checksum', 'frame 50', 50],
    ],
  );
  assert.ok(sent[2].ts >= sent[0].ts);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(sent.length, 3, 'nothing more once the device is quiet');
});

test('the devices it keeps counts for are bounded; a forgotten one starts counting again', (t) => {
  const { bus, sent } = setup(t, { intervalMs: 100, maxDevices: 2 });
  for (const deviceId of ['a', 'b', 'c', 'a']) bus.emit('refusal', { deviceId, source: 'mqtt', code: 'malformed', detail: 'x' });
  assert.deepEqual(
    sent.map((r) => [r.deviceId, r.count]),
    [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['a', 1],
    ],
  );
});

test('a message refused over real MQTT reaches an SSE client as a refusal event of its device', async (t) => {
  const hub = await startHub(t);
  const key = await provision(hub, 'probe-1');
  const device = await rawClient(t, hub, { clientId: 'probe-1', username: 'probe-1', password: key });
  const sse = await openSse(t, `${hub.url}/api/stream?types=refusal&devices=probe-1`);
  await device.publishAsync('devices/probe-1/telemetry', '{not json', { qos: 1 });
  const [event] = await sse.waitForEvents(1);
  assert.equal(event.event, 'refusal');
  const data = JSON.parse(event.data);
  assert.equal(data.deviceId, 'probe-1');
  assert.equal(data.source, 'mqtt');
  assert.equal(data.code, 'malformed');
  assert.match(data.detail, /^malformed JSON/);
  assert.equal(data.count, 1);
  assert.ok(Math.abs(data.ts - Date.now()) < 5_000);

  // A burst is folded: few events, the last one with the newest refusal and the whole count.
  for (let i = 0; i < 20; i++) await device.publishAsync('devices/probe-1/telemetry', JSON.stringify({ seq: i, readings: {} }), { qos: 1 });
  const last = await waitFor(
    'the burst counted',
    () => {
      const latest = JSON.parse(sse.events.at(-1)!.data);
      return latest.count === 21 && latest;
    },
    5_000,
  );
  assert.equal(last.code, 'no_readings');
  assert.ok(sse.events.length <= 3, `${sse.events.length} refusal events for a burst of 20`);
});
