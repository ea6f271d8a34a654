// Caps on open live connections, over real sockets: streams (sse-reader, fetch, curl) and long-polls
// (fetch) are counted together per API token (per address with auth off) and in total; the one
// past a cap gets 429 too_many_connections naming the cap and its value, counted and logged; a
// closed stream, an answered poll and a client that vanishes give their slot back at once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startHub, waitFor, type TestHub } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';
import { openSse } from './sse-reader.js';

const run = promisify(execFile);

/** A request that either opens (its body is left streaming until the test ends) or is refused. */
async function attempt(ctx: TestContext, url: string, token?: string): Promise<{ status: number; body: any; retryAfter: string | null }> {
  const abort = new AbortController();
  teardown(ctx, () => abort.abort());
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: abort.signal });
  const json = res.headers.get('content-type')?.startsWith('application/json');
  return { status: res.status, body: json ? await res.json() : null, retryAfter: res.headers.get('retry-after') };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function refusals(t: TestHub, route: string, reason: string): number {
  const line = t.hub.metrics.registry
    .render()
    .split('\n')
    .find((l) => l.startsWith(`hub_live_connections_refused_total{route="${route}",reason="${reason}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

test('a token past its cap gets 429 with the cap named; other tokens are not held by it; a closed stream frees its slot', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on', liveMaxConnectionsPerToken: 2 });
  const a = (await t.hub.tokens.add('viewer')).token;
  const b = (await t.hub.tokens.add('viewer')).token;
  const first = await openSse(ctx, `${t.url}/api/stream`, bearer(a));
  const second = await openSse(ctx, `${t.url}/api/stream`, bearer(a));
  assert.deepEqual([first.status, second.status], [200, 200]);

  const third = await attempt(ctx, `${t.url}/api/stream`, a);
  assert.equal(third.status, 429);
  assert.equal(third.body.error, 'too_many_connections');
  assert.equal(third.retryAfter, '5', 'the refusal says when to ask again');
  assert.match(third.body.message, /at most 2 streams and long-polls at once \(HUB_LIVE_MAX_CONNECTIONS_PER_TOKEN\)/);
  assert.equal((await attempt(ctx, `${t.url}/api/poll?timeout=0`, a)).status, 429, 'a long-poll counts against the same cap');
  assert.equal(refusals(t, '/api/stream', 'per_token'), 1);
  assert.equal(refusals(t, '/api/poll', 'per_token'), 1);

  const other = await openSse(ctx, `${t.url}/api/stream`, bearer(b));
  assert.equal(other.status, 200, 'another token has its own slots');

  first.close();
  await waitFor('the closed stream to give its slot back', () => t.hub.live.connectionCount === 2);
  const again = await openSse(ctx, `${t.url}/api/stream`, bearer(a));
  assert.equal(again.status, 200);
  // The streams that stayed open still receive events.
  await t.hub.devices.register({ id: 'after-cap', name: 'x', transport: 'simulator' });
  for (const reader of [second, other, again]) {
    await waitFor('the device event', () => reader.events.some((e) => e.event === 'device'));
  }
});

test('the total cap holds over all tokens; curl sees the 429 and its reason; a vanished client frees its slot', async (ctx) => {
  const t = await startHub(ctx, { auth: 'on', liveMaxConnectionsPerToken: 5, liveMaxConnections: 3 });
  const tokens = await Promise.all([1, 2, 3].map(async () => (await t.hub.tokens.add('viewer')).token));
  await openSse(ctx, `${t.url}/api/stream`, bearer(tokens[0]));
  await openSse(ctx, `${t.url}/api/stream`, bearer(tokens[0]));
  const vanishing = await openSse(ctx, `${t.url}/api/stream`, bearer(tokens[1]));
  assert.equal(t.hub.live.connectionCount, 3);

  const { stdout } = await run('curl', [
    '-sS',
    '-H',
    `Authorization: Bearer ${tokens[2]}`,
    '-w',
    '\n%{http_code}',
    `${t.url}/api/stream?types=reading`,
  ]);
  const [body, code] = stdout.split('\n');
  assert.equal(code, '429');
  assert.deepEqual(JSON.parse(body), {
    error: 'too_many_connections',
    message:
      'the hub holds its most live connections: at most 3 streams and long-polls at once over all clients (HUB_LIVE_MAX_CONNECTIONS); retry later',
  });
  assert.equal((await attempt(ctx, `${t.url}/api/poll?timeout=0`, tokens[2])).status, 429);
  assert.equal(refusals(t, '/api/stream', 'total'), 1);
  assert.equal(refusals(t, '/api/poll', 'total'), 1);
  assert.match(t.hub.metrics.registry.render(), /^hub_live_connections 3$/m);

  // The client's socket goes away without the stream ever ending politely.
  vanishing.close();
  await waitFor('the vanished stream to give its slot back', () => t.hub.live.connectionCount === 2);
  assert.equal((await openSse(ctx, `${t.url}/api/stream`, bearer(tokens[2]))).status, 200);
});

test('with auth off, long-polls and streams count per remote address; an answered or abandoned poll frees its slot', async (ctx) => {
  const t = await startHub(ctx, { liveMaxConnectionsPerToken: 2 });
  await t.hub.devices.register({ id: 'poll-dev', name: 'x', transport: 'simulator' });
  const since = t.hub.live.events.lastId;
  const waiting = [1, 2].map(() => fetch(`${t.url}/api/poll?since=${since}&timeout=30000&types=reading`).then((r) => r.json()));
  await waitFor('both polls to wait', () => t.hub.live.connectionCount === 2);

  const stream = await attempt(ctx, `${t.url}/api/stream`);
  assert.equal(stream.status, 429);
  assert.match(stream.body.message, /from this address: at most 2 streams and long-polls at once/);
  assert.equal((await attempt(ctx, `${t.url}/api/poll?timeout=0`)).status, 429);
  assert.equal(refusals(t, '/api/stream', 'per_address'), 1);
  assert.equal(refusals(t, '/api/poll', 'per_address'), 1);

  // A reading answers both polls; their slots are free again.
  await t.hub.ingest.submit({ deviceId: 'poll-dev', readings: [{ metric: 'n', value: 1 }], source: 'test' }).durable;
  for (const answer of await Promise.all(waiting)) assert.equal(answer.events[0].type, 'reading');
  await waitFor('the answered polls to give their slots back', () => t.hub.live.connectionCount === 0);

  // A poll the client gives up on frees its slot too.
  const abort = new AbortController();
  const abandoned = fetch(`${t.url}/api/poll?timeout=30000`, { signal: abort.signal }).catch(() => 'aborted');
  await waitFor('the poll to wait', () => t.hub.live.connectionCount === 1);
  abort.abort();
  assert.equal(await abandoned, 'aborted');
  await waitFor('the abandoned poll to give its slot back', () => t.hub.live.connectionCount === 0);
  const two = [await openSse(ctx, `${t.url}/api/stream`), await openSse(ctx, `${t.url}/api/stream`)];
  assert.deepEqual(
    two.map((s) => s.status),
    [200, 200],
  );
});
