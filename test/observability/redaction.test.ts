// No credential reaches the log. A request that fails with a 5xx is logged with its URL; an
// EventSource or a script passes its token as `?token=`, so the URL is logged with the token
// replaced. Asked with curl against a hub whose store fails its queries (the one fault injected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/settings.js';
import { Hub } from '../../src/hub.js';
import { createLogger } from '../../src/observability/logger.js';
import { redact } from '../../src/observability/redact.js';
import { createStore } from '../../src/storage/create-store.js';
import { tempDir, teardown } from '../helpers/teardown.js';

test('a 5xx logged with its URL shows no ?token= value, no Bearer token and no device key', async (t) => {
  const config = {
    ...loadConfig({}, []),
    dataDir: tempDir(t, 'hub-redact-'),
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttPort: 0,
    auth: 'on' as const,
  };
  const store = createStore(config);
  store.queryRaw = async () => {
    throw new Error('disk on fire');
  };
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n')));
  const hub = new Hub(config, createLogger('info', 'json', { stream }), { store });
  await hub.start();
  teardown(t, () => hub.stop());
  const { token } = await hub.tokens.add('viewer');
  await hub.devices.register({ id: 'any', name: 'any', transport: 'mqtt' });
  // curl runs beside the hub, which answers in this process: spawnSync would block it.
  const curl = await promisify(execFile)('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    `${hub.http.url}/api/devices/any/readings?token=${token}&limit=5`,
  ]);
  assert.equal(curl.stdout, '500');
  const failed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
  assert.ok(failed, 'the failure is logged');
  assert.equal(failed.url, '/api/devices/any/readings?token=[redacted]&limit=5');
  assert.ok(!lines.some((l) => l.includes(token)), 'the token appears in no line');
});

test('fields named like secrets and secrets inside strings are replaced; other values stay', () => {
  assert.deepEqual(
    redact({ deviceId: 'kitchen-1', password: 'pw', headers: { authorization: 'Bearer abc' }, note: 'Authorization: Bearer thub_xyz ok' }),
    {
      deviceId: 'kitchen-1',
      password: '[redacted]',
      headers: { authorization: '[redacted]' },
      note: 'Authorization: Bearer [redacted] ok',
    },
  );
  assert.equal(redact('/api/stream?filter=a&token=thub_abc'), '/api/stream?filter=a&token=[redacted]');
});
