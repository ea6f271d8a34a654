// Logs are readable lines at a terminal and JSON lines anywhere else, unless the format is forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, type LogFormat } from '../../src/observability/logger.js';

function logOnce(format: LogFormat, isTTY: boolean): string {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const log = createLogger('info', format, { isTTY, stream });
  log.warn({ deviceId: 'kitchen-1', code: 'malformed' }, 'mqtt message refused');
  log.debug({}, 'below the level');
  return chunks.join('');
}

test('at a terminal the lines are pretty, elsewhere JSON', () => {
  const pretty = logOnce('auto', true);
  assert.match(pretty, /WARN.*mqtt message refused/);
  assert.match(pretty, /deviceId: "kitchen-1"/);
  assert.throws(() => JSON.parse(pretty.split('\n')[0]));

  const json = JSON.parse(logOnce('auto', false).trim());
  assert.equal(json.msg, 'mqtt message refused');
  assert.equal(json.deviceId, 'kitchen-1');
  assert.equal(json.name, 'telemetry-hub');
});

test('either format can be forced', () => {
  assert.equal(JSON.parse(logOnce('json', true).trim()).code, 'malformed');
  assert.match(logOnce('pretty', false), /WARN.*mqtt message refused/);
  assert.doesNotMatch(logOnce('pretty', false), /below the level/);
});
