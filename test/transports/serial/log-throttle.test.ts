// The rejection log of a noisy line: the first lines of each window in full, then a count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HubLogger } from '../../../src/core/logger.js';
import { LogThrottle } from '../../../src/transports/serial/log-throttle.js';

test('logs the first lines of a window, then says how many were left out', () => {
  const lines: Array<[object, string]> = [];
  const log = { warn: (obj: object, msg: string) => lines.push([obj, msg]) } as unknown as HubLogger;
  let now = 1_000;
  const throttle = new LogThrottle(log, { perWindow: 3, windowMs: 100 }, () => now);
  for (let i = 0; i < 10; i++) throttle.warn({ i }, 'telegram rejected');
  assert.deepEqual(lines.map(([obj]) => obj), [{ i: 0 }, { i: 1 }, { i: 2 }]);
  now += 100;
  throttle.warn({ i: 10 }, 'telegram rejected');
  assert.deepEqual(lines.slice(3), [
    [{ suppressed: 7, windowMs: 100 }, 'telegram rejected: 7 more not logged'],
    [{ i: 10 }, 'telegram rejected'],
  ]);
});
