// Refusals at the transports: every one counted and reported, the log throttled per device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type HubEvents } from '../../src/core/events.js';
import type { HubLogger } from '../../src/core/logger.js';
import { LogThrottle, TransportRefusals } from '../../src/transports/refusals.js';

test('logs the first lines of a window, then says how many were left out', () => {
  const lines: Array<[object, string]> = [];
  const log = { warn: (obj: object, msg: string) => lines.push([obj, msg]) } as unknown as HubLogger;
  let now = 1_000;
  const throttle = new LogThrottle(log, { perWindow: 3, windowMs: 100 }, () => now);
  for (let i = 0; i < 10; i++) throttle.warn({ i }, 'telegram refused');
  assert.deepEqual(
    lines.map(([obj]) => obj),
    [{ i: 0 }, { i: 1 }, { i: 2 }],
  );
  now += 100;
  throttle.warn({ i: 10 }, 'telegram refused');
  assert.deepEqual(lines.slice(3), [
    [{ suppressed: 7, windowMs: 100 }, 'telegram refused: 7 more not logged'],
    [{ i: 10 }, 'telegram refused'],
  ]);
});

test('every refusal is counted and reported under its code; the log is throttled per device', () => {
  const lines: Array<[Record<string, unknown>, string]> = [];
  const log = { warn: (obj: Record<string, unknown>, msg: string) => lines.push([obj, msg]) } as unknown as HubLogger;
  const counted: string[] = [];
  const reported: Array<HubEvents['refusal']> = [];
  const bus = new EventBus();
  bus.on('refusal', (event) => reported.push(event));
  const refusals = new TransportRefusals({
    source: 'line',
    message: 'line frame refused',
    bus,
    log,
    clock: () => 0,
    metrics: { frameRefused: (transport, code) => counted.push(`${transport}:${code}`) },
  });
  for (let i = 0; i < 15; i++) refusals.refuse('noisy', { code: 'checksum', detail: `frame ${i}` }, { line: 'x' });
  refusals.refuse('quiet', { code: 'bad_field', detail: 't: no metric=value pairs' });
  refusals.log('quiet', { code: 'busy', detail: 'hub is buffering' }, {}, 'telemetry refused by ingest');

  assert.equal(counted.length, 16);
  assert.deepEqual(counted.at(-1), 'line:bad_field');
  assert.equal(reported.length, 16, 'only logged: not reported again');
  assert.deepEqual(reported.at(-1), { deviceId: 'quiet', source: 'line', code: 'bad_field', detail: 't: no metric=value pairs' });
  assert.equal(lines.filter(([obj]) => obj.deviceId === 'noisy').length, 10, 'a noisy device is logged ten lines per window');
  assert.deepEqual(
    lines.filter(([obj]) => obj.deviceId === 'quiet'),
    [
      [{ deviceId: 'quiet', code: 'bad_field', detail: 't: no metric=value pairs' }, 'line frame refused'],
      [{ deviceId: 'quiet', code: 'busy', detail: 'hub is buffering' }, 'telemetry refused by ingest'],
    ],
  );
  assert.deepEqual(lines[0], [{ deviceId: 'noisy', code: 'checksum', detail: 'frame 0', line: 'x' }, 'line frame refused']);
});
