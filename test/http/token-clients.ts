// Real clients holding connections open with one API token, for the revocation tests: an SSE
// stream (raw HTTP, parsed like EventSource), a WebSocket control channel (`ws`) and a long-poll
// (fetch). Each reports how it ended. Given the test context, all are closed after the test.
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { openSse, type SseReader } from '../live/sse-reader.js';
import { waitFor } from '../helpers/hub.js';
import { teardown } from '../helpers/teardown.js';

export interface HeldOpen {
  sse: SseReader;
  /** Resolves with the close code and reason once the control channel closes. */
  wsClosed: Promise<{ code: number; reason: string }>;
  /** Resolves with the long-poll's status and body once it answers. */
  poll: Promise<{ status: number; body: any }>;
}

/** Opens the three with `token` and waits until the hub counts them as open with a token. */
export async function holdOpen(ctx: TestContext, url: string, token: string): Promise<HeldOpen> {
  const before = await tokenConnections(url);
  const sse = await openSse(ctx, `${url}/api/stream?token=${token}`);
  if (sse.status !== 200) throw new Error(`stream answered ${sse.status}`);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/control?token=${token}`);
  teardown(ctx, () => ws.terminate());
  const wsClosed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const abort = new AbortController();
  teardown(ctx, () => abort.abort());
  const poll = fetch(`${url}/api/poll?timeout=60000&token=${token}`, { signal: abort.signal }).then(async (res) => ({
    status: res.status,
    body: await res.json(),
  }));
  poll.catch(() => {}); // aborted after the test when it never answered
  await waitFor('the three connections to be tracked', async () => (await tokenConnections(url)) >= before + 3);
  return { sse, wsClosed, poll };
}

/** What /metrics says is open with an API token now. */
export async function tokenConnections(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('hub_auth_token_connections'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
