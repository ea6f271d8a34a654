// API auth against a real hub: the admin token made on first start (file and stdout, once),
// roles, Bearer and ?token=, open routes, hashed storage, the 429 after repeated bad tokens, the
// `token add` command working against a running hub, and auth off as a development setting
// (with a warning in the log). Paths are judged as the router matches them, percent-decoded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/settings.js';
import { Hub } from '../../src/hub.js';
import { TokenService } from '../../src/http/auth-tokens.js';
import { AuthFailureLimiter } from '../../src/core/auth-failure-limiter.js';
import { authPlugin } from '../../src/http/auth.js';
import { createLogger } from '../../src/observability/logger.js';
import { MetricsRegistry } from '../../src/observability/prometheus.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { startHub } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';

async function call(url: string, token?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics, docs)
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * Captures what the hub prints on stdout while `run` goes on. Restored as soon as `run` settles,
 * not after the test: the test goes on to check what was printed, and the runner's own output
 * must not be swallowed meanwhile.
 */
async function capturingStdout<T>(run: () => Promise<T>): Promise<{ result: T; printed: string }> {
  const original = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await run(), printed };
  } finally {
    process.stdout.write = original;
  }
}

test('the first start makes an admin token, writes it to the data dir and prints it once', async (ctx) => {
  // The hub prints to stdout; a test hub prints there only when told to (print: the hub's default).
  const { result: t, printed } = await capturingStdout(() =>
    startHub(ctx, { auth: 'on' }, { print: (text) => process.stdout.write(text) }),
  );
  const file = join(t.dataDir, 'admin-token');
  const token = readFileSync(file, 'utf8').trim();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(printed.includes(token), 'printed on stdout');
  assert.deepEqual((await call(`${t.url}/api/auth/whoami`, token)).body, { role: 'admin' });
  // Stored as a hash: no record holds the token itself.
  const records = await t.hub.store.listRecords('api-token');
  assert.equal(records.length, 1);
  assert.ok(!JSON.stringify(records).includes(token));
  await t.hub.stop();
  // A second start on the same data dir keeps the token and prints nothing.
  const { result: again, printed: second } = await capturingStdout(() =>
    startHub(ctx, { auth: 'on', dataDir: t.dataDir }, { print: (text) => process.stdout.write(text) }),
  );
  assert.equal(second.includes('thub_'), false);
  const kept = readFileSync(join(t.dataDir, 'admin-token'), 'utf8').trim();
  assert.equal((await call(`${again.url}/api/auth/whoami`, kept)).status, 200);
});

test('roles, token transport and the routes that stay open', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on' });
  const viewer = (await t.hub.tokens.add('viewer')).token;
  const operator = (await t.hub.tokens.add('operator')).token;

  const missing = await call(`${t.url}/api/devices`);
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error, 'unauthorized');
  const bad = await call(`${t.url}/api/devices`, 'thub_not-a-real-token');
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error, 'unauthorized');

  assert.deepEqual((await call(`${t.url}/api/auth/whoami`, viewer)).body, { role: 'viewer' });
  assert.deepEqual((await call(`${t.url}/api/auth/whoami?token=${operator}`)).body, { role: 'operator' });
  assert.equal((await call(`${t.url}/api/devices`, viewer)).status, 200);
  assert.equal((await call(`${t.url}/api/poll?timeout=0&token=${viewer}`)).status, 200);

  // The control channel needs operator: a viewer is forbidden even before any upgrade.
  const forbidden = await call(`${t.url}/api/control`, viewer);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error, 'forbidden');

  for (const open of ['/api/health', '/metrics', '/docs/json']) {
    assert.equal((await call(`${t.url}${open}`)).status, 200, `${open} is open`);
  }
  // Unknown /api paths are guarded too: nothing is learned without a token.
  assert.equal((await call(`${t.url}/api/secret-route`)).status, 401);
  // The router decodes percent escapes before it matches, so an encoded path is the same route.
  for (const encoded of ['/%61pi/devices', '/%61%70%69/devices', '/api/%64evices', '/%61pi/auth/whoami']) {
    const res = await call(`${t.url}${encoded}`);
    assert.equal(res.status, 401, `${encoded} needs a token`);
    assert.equal(res.body.error, 'unauthorized');
  }
  assert.equal((await call(`${t.url}/%61pi/devices`, viewer)).status, 200);
  assert.equal((await call(`${t.url}/%61pi/health`)).status, 200);
  const metrics = (await call(`${t.url}/metrics`)).body as string;
  assert.match(metrics, /hub_auth_failures_total\{reason="invalid"\} 1/);
  assert.match(metrics, /hub_auth_failures_total\{reason="forbidden"\} 1/);
});

test('an address presenting bad tokens again and again gets 429 with Retry-After for them; a valid token still passes', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on', authFailureLimit: 5 });
  const good = (await t.hub.tokens.add('viewer')).token;
  for (let i = 0; i < 5; i++) assert.equal((await call(`${t.url}/api/devices`, `thub_guess_${i}_xxxxxxxx`)).status, 401);
  const limited = await call(`${t.url}/api/devices`, 'thub_guess_again_xxxxxxxx');
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error, 'too_many_requests');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  // A valid token is recognised before the limiter is asked: behind NAT or a proxy, one broken
  // client must not lock out everyone (guessing a 256-bit token does not pay off anyway).
  assert.equal((await call(`${t.url}/api/devices`, good)).status, 200);
  assert.equal((await call(`${t.url}/api/devices`, 'thub_guess_later_xxxxxxxx')).status, 429);
  // Open routes are not affected.
  assert.equal((await call(`${t.url}/api/health`)).status, 200);
});

test('`telemetry-hub token add operator` makes a token a running hub accepts', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on' });
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'token', 'add', 'operator', '--data-dir', t.dataDir], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(cli.status, 0, cli.stderr);
  const token = cli.stdout.trim();
  assert.match(token, /^thub_[A-Za-z0-9_-]{40,}$/);
  assert.deepEqual((await call(`${t.url}/api/auth/whoami`, token)).body, { role: 'operator' });

  const wrong = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'token', 'add', 'superuser', '--data-dir', t.dataDir], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /usage:\n {2}telemetry-hub token add <viewer\|operator\|admin>/);
});

test('with auth off every caller is admin and no token file is made', async (ctx) => {
  const t = await startHub(ctx, { auth: 'off' });
  assert.deepEqual((await call(`${t.url}/api/auth/whoami`)).body, { role: 'admin' });
  assert.throws(() => statSync(join(t.dataDir, 'admin-token')));
});

test('a hub started with auth off says so in its log', async (t) => {
  const dataDir = tempDir(t, 'auth-off-');
  const lines: string[] = [];
  const log = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        lines.push(line);
      },
    },
  );
  const hub = new Hub({ ...loadConfig({}, []), httpHost: '127.0.0.1', httpPort: 0, mqttPort: 0, auth: 'off', dataDir }, log);
  teardown(t, () => hub.stop());
  await hub.start();
  const warning = lines.map((l) => JSON.parse(l)).find((l) => l.stage === 'auth');
  assert.ok(warning, 'a warning from the auth stage');
  assert.equal(warning.level, 40);
  assert.match(warning.msg, /API auth is off .*every caller is admin/);
});

test('routes name their least role in config: admin routes refuse operators; public routes need nothing', async (t) => {
  const dir = tempDir(t, 'auth-routes-');
  const store = new SqliteStore(dir);
  await store.start();
  teardown(t, () => store.stop());
  const tokens = new TokenService(store);
  const app = Fastify();
  teardown(t, () => app.close());
  await app.register(authPlugin, {
    mode: 'on',
    tokens,
    limiter: new AuthFailureLimiter(100, 60_000),
    log: createLogger('silent'),
    registry: new MetricsRegistry(),
  });
  await app.register(async (child) => {
    child.post('/api/admin/things', { config: { role: 'admin' } }, async (request) => ({ by: request.principal?.role }));
    child.get('/api/open', { config: { role: 'public' } }, async () => ({ open: true }));
    child.get('/elsewhere', async () => ({ page: true }));
  });
  const operator = (await tokens.add('operator')).token;
  const admin = (await tokens.add('admin')).token;
  const post = (token?: string) =>
    app.inject({ method: 'POST', url: '/api/admin/things', headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal((await post()).statusCode, 401);
  const refused = await post(operator);
  assert.equal(refused.statusCode, 403);
  assert.deepEqual(refused.json(), { error: 'forbidden', message: 'this needs the admin role; the token has operator' });
  assert.deepEqual((await post(admin)).json(), { by: 'admin' });
  assert.equal((await app.inject('/api/open')).statusCode, 200);
  assert.equal((await app.inject('/elsewhere')).statusCode, 200);
});

test('/metrics is public by default; HUB_METRICS_AUTH=viewer asks for a token', async (ctx) => {
  const open = await startHub(ctx, { auth: 'on' });
  assert.equal((await fetch(`${open.url}/metrics`)).status, 200);
  const closed = await startHub(ctx, { auth: 'on', metricsAuth: 'viewer' });
  assert.equal((await fetch(`${closed.url}/metrics`)).status, 401);
  const token = (await closed.hub.tokens.add('viewer')).token;
  const res = await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^hub_pending_readings /m);
});
