// `telemetry-hub token add|list|revoke` as its own process next to a running hub: names and
// expiry are listed and the token never is; a token revoked by the CLI is refused by the running
// hub and its SSE stream, control channel and long-poll are ended within the recheck interval;
// the last admin token is kept.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHub } from '../helpers/hub.js';
import { holdOpen } from '../http/token-clients.js';
import { settled } from '../helpers/settled.js';

test('token add with a name and an expiry, then token list: names, roles, expiry, never a token', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on' });
  const added = await runCli(['token', 'add', 'viewer', '--name', 'wall display', '--expires-in', '12h', '--data-dir', t.dataDir]);
  assert.equal(added.code, 0, added.stderr);
  const token = added.stdout.trim();
  assert.match(token, /^thub_/);
  assert.match(added.stderr, /valid until \d{4}-/);
  const whoami = await fetch(`${t.url}/api/auth/whoami`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(await whoami.json(), { role: 'viewer' });

  const listed = await runCli(['token', 'list', '--data-dir', t.dataDir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+ROLE\s+NAME\s+CREATED\s+EXPIRES\s+LAST USED/);
  assert.match(listed.stdout, /\n[0-9a-f]{12}\s+admin\s+created on first start\s+\S+\s+never/);
  const row = listed.stdout.split('\n').find((l) => l.includes('wall display'));
  assert.ok(row, listed.stdout);
  const expires = Date.parse(row.split(/\s{2,}/)[4]);
  const hours = (expires - Date.now()) / 3_600_000;
  assert.ok(hours > 11.5 && hours <= 12, `expires in ${hours} h`);
  assert.ok(!listed.stdout.includes(token) && !listed.stdout.includes('thub_'), 'no token is listed');

  const bad = await runCli(['token', 'add', 'viewer', '--expires-in', 'yesterday', '--data-dir', t.dataDir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--expires-in: expiry must be a duration/);
});

test('a token revoked by the CLI is refused by the running hub and its open connections end', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on', credentialRecheckMs: 500 });
  const { token, tokenId } = await t.hub.tokens.add('operator', 'kiosk');
  const held = await holdOpen(ctx, t.url, token);
  // Trusted by the running hub until now.
  assert.equal((await fetch(`${t.url}/api/devices?token=${token}`)).status, 200);

  const revoked = await runCli(['token', 'revoke', tokenId.slice(0, 8), '--data-dir', t.dataDir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stderr, new RegExp(`revoked operator token ${tokenId} \\(kiosk\\)`));

  await settled('the stream to end', held.sse.closed);
  const ws = await settled('the control channel to close', held.wsClosed);
  assert.equal(ws.code, 4401);
  assert.match(ws.reason, /revoked/);
  const poll = await settled('the long-poll to answer', held.poll);
  assert.equal(poll.status, 401);
  assert.match(poll.body.message, /revoked/);
  assert.equal((await fetch(`${t.url}/api/devices?token=${token}`)).status, 401);

  const again = await runCli(['token', 'revoke', tokenId, '--data-dir', t.dataDir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /refused: no token has an id starting with/);
});

test('token revoke refuses the last admin token', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on' });
  const admin = readFileSync(join(t.dataDir, 'admin-token'), 'utf8').trim();
  const [{ id }] = (await t.hub.tokens.list()).filter((x) => x.role === 'admin');
  const refused = await runCli(['token', 'revoke', id, '--data-dir', t.dataDir]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused: this is the last admin token/);
  assert.equal((await fetch(`${t.url}/api/auth/whoami?token=${admin}`)).status, 200);
});
