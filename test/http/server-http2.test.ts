// The HTTPS + HTTP/2 option: with a certificate (a self-signed one made with openssl for the
// test) the API answers over HTTP/2, several SSE streams share one connection, and HTTP/1.1
// clients are still served, the WebSocket control channel included.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';

let t: TestHub;
let certDir: string;
let ca: Buffer;

before(async () => {
  // For the whole file, like the hub started with it: a suite's hooks have no test context.
  certDir = mkdtempSync(join(tmpdir(), 'hub-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(certDir, 'cert.pem'));
  t = await startHub({ httpTlsCert: join(certDir, 'cert.pem'), httpTlsKey: join(certDir, 'key.pem') });
});
after(async () => {
  await t.stop();
  rmSync(certDir, { recursive: true, force: true });
});

function h2Get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
    req.end();
  });
}

test('the API answers over HTTP/2 with TLS', async (ctx) => {
  assert.match(t.url, /^https:\/\//);
  const session = connect(t.url, { ca });
  teardown(ctx, () => session.close());
  const { status, body } = await h2Get(session, '/api/health');
  assert.equal(status, 200);
  assert.equal(JSON.parse(body).status, 'ok');
  assert.equal(session.alpnProtocol, 'h2');
});

test('several SSE streams share one HTTP/2 connection and all receive events', async (ctx) => {
  const session = connect(t.url, { ca });
  teardown(ctx, () => session.close());
  const streams = Array.from({ length: 8 }, () => {
    const req = session.request({ ':path': '/api/stream?types=device', accept: 'text/event-stream' });
    const state = { status: 0, headers: {} as Record<string, unknown>, text: '' };
    req.setEncoding('utf8');
    req.on('response', (headers) => {
      state.status = Number(headers[':status']);
      state.headers = headers;
    });
    req.on('data', (chunk: string) => {
      state.text += chunk;
    });
    req.on('error', () => {});
    teardown(ctx, () => req.close());
    return { req, state };
  });
  await waitFor('every stream to open', () => streams.every((s) => s.state.text.startsWith('retry:')));
  await t.hub.devices.register({ id: 'over-h2', name: 'HTTP/2', transport: 'simulator' });
  await waitFor('the device event on every stream', () => streams.every((s) => s.state.text.includes('"id":"over-h2"')));
  for (const s of streams) {
    assert.equal(s.state.status, 200);
    assert.match(String(s.state.headers['content-type']), /^text\/event-stream/);
    assert.equal(s.state.headers.connection, undefined, 'no connection header in HTTP/2');
  }
});

test('HTTP/1.1 over TLS is still served', async () => {
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(`${t.url}/api/health`, { ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    }).on('error', reject);
  });
  assert.equal(status, 200);
  assert.equal(JSON.parse(body).status, 'ok');
});

test('the WebSocket control channel works over TLS (wss, an HTTP/1.1 upgrade)', async (ctx) => {
  const ws = new WebSocket(`${t.url.replace('https', 'wss')}/api/control`, { ca });
  teardown(ctx, () => ws.terminate());
  const answer = await new Promise<unknown>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'ping' })));
    ws.once('message', (data) => resolve(JSON.parse(data.toString())));
    ws.once('error', reject);
  });
  assert.deepEqual(answer, { type: 'pong' });
});

test('the hub stops while HTTP/2 sessions and live streams are still open', async (ctx) => {
  const own = await startHub(ctx, { httpTlsCert: join(certDir, 'cert.pem'), httpTlsKey: join(certDir, 'key.pem') });
  const session = connect(own.url, { ca });
  teardown(ctx, () => session.destroy());
  session.on('error', () => {});
  const stream = session.request({ ':path': '/api/stream' });
  stream.on('error', () => {});
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => {
    text += c;
  });
  await waitFor('the stream to open', () => text.startsWith('retry:'));
  // A hang here (the server waiting for the client to leave) fails the test by its timeout.
  const stopped = await Promise.race([own.stop().then(() => 'stopped'), new Promise((r) => setTimeout(r, 20_000, 'hung').unref())]);
  assert.equal(stopped, 'stopped');
});
