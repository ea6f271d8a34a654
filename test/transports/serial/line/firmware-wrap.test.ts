// Sequence numbers are uint32 and wrap after 4294967295 to 0. The compiled serial-telemetry
// firmware runs in avr8js behind a socat pty (as in firmware.test.ts) against a hub whose stream
// head for the device sits a few samples below the wrap, so the firmware numbers its samples
// across it: the hub must take 4294967295 then 0 as the next sample, ack across the wrap, and the
// firmware must free its ring on those acks (serial-number arithmetic on both sides).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AvrSimulator } from '../../../helpers/avr.js';
import { getJson, waitFor, type TestHub } from '../../../helpers/hub.js';
import { startFirmwareRig, type FirmwareRig } from './firmware-rig.js';
import { WireMonitor } from './wire-monitor.js';

const DEVICE = 'uno-1';
const HEAD = 4294967290;
const INTERVAL_MS = 100;

let rig: FirmwareRig;
let hub: TestHub;
let sim: AvrSimulator;
const wire = new WireMonitor();

before(async () => {
  rig = await startFirmwareRig({
    wire,
    intervalMs: INTERVAL_MS,
    // The device's stream so far ends just below the wrap: one message through the real ingest path.
    beforeBoot: async (started) => {
      hub = started;
      await hub.hub.devices.register({
        id: DEVICE,
        name: DEVICE,
        transport: 'line',
        metrics: [{ name: 'light', unit: '%' }],
        actuators: [],
      });
      const seeded = hub.hub.ingest.submit({
        deviceId: DEVICE,
        seq: HEAD,
        source: 'line',
        readings: [{ metric: 'light', value: 1, ts: Date.now() - 60_000 }],
      });
      assert.equal(seeded.status, 'accepted');
      await seeded.durable;
      assert.equal(hub.hub.streams.head(DEVICE), HEAD);
    },
  });
  sim = rig.sim;
});

after(async () => {
  await rig?.stop();
});

test('the firmware numbers its samples across the uint32 wrap and the hub takes and acks them in order', async () => {
  const welcome = await waitFor('the welcome', () => wire.fromHub.find((f) => f.body.startsWith('welcome ')));
  assert.match(welcome.body, new RegExp(`^welcome ${HEAD} iv=${INTERVAL_MS} boot=\\d+$`));
  await waitFor('frames past the wrap', () => wire.telemetrySeqs().filter((seq) => seq < HEAD).length >= 10);
  await sim.pause();
  // Not a teardown: the chip must run again right after these checks, pass or fail, for the
  // heartbeat this test waits for next.
  try {
    const sent = wire.telemetrySeqs();
    const expected = sent.map((_, i) => (HEAD + 1 + i) % 2 ** 32);
    assert.deepEqual(sent, expected, 'fresh numbering from h + 1, wrapping from 4294967295 to 0');
    const last = sent.at(-1)!;
    await waitFor('the head past the wrap', () => hub.hub.streams.head(DEVICE) === last);
    assert.equal(hub.hub.streams.gapsSkipped, 0, 'the wrap is no gap');
    await waitFor('an ack past the wrap', () => wire.acks().includes(last));
    const acks = wire.acks();
    assert.ok(acks.some((h) => h > HEAD) && acks.some((h) => h < HEAD), `acks on both sides of the wrap: ${acks.join(' ')}`);
    const q = `metric=light&from=${Date.now() - 600_000}&to=${Date.now() + 60_000}&limit=10000`;
    const { body } = await getJson<{ readings: unknown[] }>(`${hub.url}/api/devices/${DEVICE}/readings?${q}`);
    assert.equal(body.readings.length, sent.length + 1, 'every sample stored once, besides the seeded one');
  } finally {
    sim.start();
  }
  // The firmware freed its ring on acks across the wrap: its heartbeat (every 5 s of firmware
  // time) holds only the last few samples, where 64 would mean it never freed any.
  const since = wire.fromDevice.length;
  const beat = await waitFor('a heartbeat', () => wire.fromDevice.slice(since).find((f) => f.body.startsWith('hb ')), 20_000);
  const [, , buffered, lost, first] = beat.body.split(' ').map(Number);
  assert.ok(buffered < 16, `only the last few samples await their ack, got ${buffered}`);
  assert.equal(lost, 0);
  assert.ok(first < HEAD, `the oldest sample held is past the wrap, got ${first}`);
});
