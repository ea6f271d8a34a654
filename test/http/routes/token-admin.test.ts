// API tokens through the admin API against a real hub: a token made with a name and an expiry is
// listed with them and never with the token; revoking one refuses it at once and ends what is
// open with it (an SSE stream, a WebSocket control channel, a long-poll); an expired token gets a
// 401 that says so and loses its open stream; the last admin token cannot be revoked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { hashToken } from '../../../src/http/auth-tokens.js';
import { startHub, waitFor, type TestHub } from '../../helpers/hub.js';
import { holdOpen, tokenConnections } from '../token-clients.js';
import { settled } from '../../helpers/settled.js';

async function api(t: TestHub, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

async function adminHub(ctx: TestContext) {
  const t = await startHub(ctx, { auth: 'on' });
  const admin = (await t.hub.tokens.add('admin', 'test admin')).token;
  return { t, admin };
}

test('a token made over the API is listed with its name, role and expiry, never with the token', async (ctx) => {
  const { t, admin } = await adminHub(ctx);
  const made = await api(t, admin, 'POST', '/api/admin/tokens', { role: 'viewer', name: 'wall display', expiresAt: '30d' });
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.token, /^thub_/);
  assert.match(made.body.id, /^[0-9a-f]{12}$/);
  assert.equal((await api(t, made.body.token, 'GET', '/api/auth/whoami')).body.role, 'viewer');

  const listed = await api(t, admin, 'GET', '/api/admin/tokens');
  assert.equal(listed.status, 200);
  assert.ok(!listed.text.includes(made.body.token), 'the token itself is never listed');
  assert.ok(!listed.text.includes(admin));
  const display = listed.body.tokens.find((x: any) => x.id === made.body.id);
  assert.equal(display.role, 'viewer');
  assert.equal(display.name, 'wall display');
  const days = (Date.parse(display.expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 29 && days <= 30, `expires in ${days} days`);
  assert.equal(display.expired, false);
  assert.notEqual(display.lastUsedAt, null, 'used once by whoami');
  const adminRow = listed.body.tokens.find((x: any) => x.name === 'test admin');
  assert.equal(adminRow.expiresAt, null);

  // Refused at the edge: an expiry in the past, a nonsense duration, a viewer asking.
  assert.equal(
    (await api(t, admin, 'POST', '/api/admin/tokens', { role: 'viewer', name: 'x', expiresAt: '2001-01-01T00:00:00Z' })).status,
    400,
  );
  assert.equal((await api(t, admin, 'POST', '/api/admin/tokens', { role: 'viewer', name: 'x', expiresAt: 'soon' })).status, 400);
  assert.equal((await api(t, made.body.token, 'GET', '/api/admin/tokens')).status, 403);
});

test('revoking a token over the API ends its stream, control channel and long-poll at once and refuses it', async (ctx) => {
  const { t, admin } = await adminHub(ctx);
  const { token, id } = (await api(t, admin, 'POST', '/api/admin/tokens', { role: 'operator', name: 'kiosk' })).body;
  const other = (await api(t, admin, 'POST', '/api/admin/tokens', { role: 'operator', name: 'stays' })).body;
  const held = await holdOpen(ctx, t.url, token);
  const kept = await holdOpen(ctx, t.url, other.token);

  assert.equal((await api(t, admin, 'DELETE', `/api/admin/tokens/${id}`)).status, 204);
  await settled('the stream to end', held.sse.closed);
  const ws = await settled('the control channel to close', held.wsClosed);
  assert.equal(ws.code, 4401);
  assert.match(ws.reason, /revoked/);
  const poll = await settled('the long-poll to answer', held.poll);
  assert.equal(poll.status, 401);
  assert.match(poll.body.message, /revoked/);
  const next = await api(t, token, 'GET', '/api/devices');
  assert.equal(next.status, 401);

  // The other token's connections are untouched, and the revoked one is gone from the list.
  assert.equal(await tokenConnections(t.url), 3);
  assert.equal((await api(t, other.token, 'GET', '/api/auth/whoami')).status, 200);
  assert.ok(!(await api(t, admin, 'GET', '/api/admin/tokens')).body.tokens.some((x: any) => x.id === id));
  kept.sse.close();
  assert.equal((await api(t, admin, 'DELETE', `/api/admin/tokens/${id}`)).status, 404);
});

test('an expired token is refused with a reason and loses its open stream', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on', credentialRecheckMs: 200 });
  const expiresAt = new Date(Date.now() + 1500);
  const { token } = await t.hub.tokens.add('operator', { name: 'short', expiresAt });
  const { sse } = await holdOpen(ctx, t.url, token);
  await settled('the stream to end', sse.closed); // the sweep finds it expired
  assert.ok(Date.now() >= expiresAt.getTime(), 'closed no earlier than the expiry');
  const refused = await api(t, token, 'GET', '/api/devices');
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error, 'unauthorized');
  assert.match(refused.body.message, new RegExp(`expired at ${expiresAt.toISOString().replace(/\./g, '\\.')}`));
});

test('the last admin token that has not expired cannot be revoked', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on' });
  // The admin token the first start made is the only one.
  const token = readFileSync(join(t.dataDir, 'admin-token'), 'utf8').trim();
  const first = { token, tokenId: hashToken(token).slice(0, 12) };
  const refused = await api(t, first.token, 'DELETE', `/api/admin/tokens/${first.tokenId}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error, 'last_admin');
  // An admin token that has expired does not count as a way back in.
  await t.hub.tokens.add('admin', { name: 'nearly gone', expiresAt: new Date(Date.now() + 300) });
  await waitFor('the second admin token to expire', async () => (await t.hub.tokens.list()).some((x) => x.expired));
  assert.equal((await api(t, first.token, 'DELETE', `/api/admin/tokens/${first.tokenId}`)).status, 409);
  // With another live admin token it can go; the caller may revoke its own token.
  await t.hub.tokens.add('admin', 'second');
  assert.equal((await api(t, first.token, 'DELETE', `/api/admin/tokens/${first.tokenId.slice(0, 6)}`)).status, 204);
  assert.equal((await api(t, first.token, 'GET', '/api/auth/whoami')).status, 401);
});
