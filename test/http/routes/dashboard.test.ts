// The dashboard route: the built app at /, the SPA fallback, hashed assets cached for good, a
// clear page when there is no build, and /api paths still answered by the API's own 404.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../../../src/http/errors.ts';
import { dashboardRoutes } from '../../../src/http/routes/dashboard.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { startHub, type TestHub } from '../../helpers/hub.ts';
import { teardown, tempDir } from '../../helpers/teardown.ts';

function rawGet(url: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(root: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  installErrorHandling(app, createLogger('silent'));
  app.get('/api/devices', async () => ({ devices: [] }));
  await app.register(dashboardRoutes, { root });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

describe('dashboard route with a build', () => {
  let dir: string;
  let server: { app: FastifyInstance; url: string };

  before(async () => {
    // Shared by the cases of this suite, whose hooks have no test context for tempDir().
    dir = mkdtempSync(join(tmpdir(), 'dashboard-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title><script src="/assets/app-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log("app")');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    server = await serve(dir);
  });

  after(async () => {
    await server.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and makes browsers revalidate it', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(await res.text(), /<title>app<\/title>/);
  });

  it('answers app paths without a file with index.html (SPA fallback)', async () => {
    const res = await fetch(`${server.url}/devices/sim-001?range=24h`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>app<\/title>/);
  });

  it('serves hashed assets as immutable and other files for revalidation', async () => {
    const asset = await fetch(`${server.url}/assets/app-abc123.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(await asset.text(), 'console.log("app")');
    const icon = await fetch(`${server.url}/favicon.svg`);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('cache-control'), 'no-cache');
  });

  it('answers a missing asset with 404 JSON instead of the app', async () => {
    const res = await fetch(`${server.url}/assets/gone-123.js`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error, 'not_found');
  });

  it('leaves unknown /api paths to the API 404 and known ones to their routes', async () => {
    const missing = await fetch(`${server.url}/api/nothing-here`);
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(await missing.json()).sort(), ['error', 'message']);
    const devices = await fetch(`${server.url}/api/devices`);
    assert.deepEqual(await devices.json(), { devices: [] });
  });

  it('refuses paths that climb out of the build directory', async () => {
    // Sent byte for byte with node:http: fetch would resolve the dot segments itself.
    for (const path of ['/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd', '/%E0%A4%A']) {
      const res = await rawGet(`${server.url}${path}`);
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
      assert.doesNotMatch(res.body, /root:|<html/);
    }
  });
});

describe('dashboard route without a build', () => {
  it('says how to build the dashboard, with a 503, and the API keeps working', async (t) => {
    const dir = tempDir(t, 'dashboard-empty-');
    const server = await serve(join(dir, 'dist'));
    teardown(t, () => server.app.close());
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build:dashboard/);
    assert.equal((await fetch(`${server.url}/api/devices`)).status, 200);
  });
});

describe('dashboard route in the hub', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({ auth: 'on' });
  });
  after(async () => {
    await hub.stop();
  });

  it('serves the page without a token while the API still demands one', async () => {
    const page = await fetch(`${hub.url}/`);
    assert.ok(page.status === 200 || page.status === 503, `status ${page.status}`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${hub.url}/api/devices`)).status, 401);
    assert.equal((await fetch(`${hub.url}/api/no-such-route`)).status, 401);
  });
});
