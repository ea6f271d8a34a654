// A real HTTP server (node:http) that receives alert webhooks: it keeps each request's headers and
// body and checks the signature with the secret it was given. Given the test context it is closed
// after that test; without one (a suite's before hook), call close(). The same receiver as
// test/core/alerts/webhook-receiver.ts, for tests whose receiver outlives one test.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { TestContext } from 'node:test';
import { isTestContext, teardown } from './teardown.js';

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: {
    rule: { id: string; name: string; kind: string };
    device: string;
    state: string;
    values: Record<string, unknown>;
    at: string;
    link: string;
  };
  /** Whether X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with the secret. */
  signed: boolean;
}

export interface WebhookReceiver {
  url: string;
  hooks: ReceivedHook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(t: TestContext, options?: { secret?: string }): Promise<WebhookReceiver>;
export async function startWebhookReceiver(options?: { secret?: string }): Promise<WebhookReceiver>;
export async function startWebhookReceiver(
  ...args: [TestContext, { secret?: string }?] | [{ secret?: string }?]
): Promise<WebhookReceiver> {
  const [t, options = {}] = isTestContext(args[0])
    ? (args as [TestContext, { secret?: string }?])
    : [null, ...(args as [{ secret?: string }?])];
  const hooks: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      hooks.push({ headers: req.headers, raw, body: JSON.parse(raw), signed: verify(options.secret, raw, req.headers) });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  if (t) teardown(t, close);
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, hooks, close };
}

function verify(secret: string | undefined, raw: string, headers: IncomingHttpHeaders): boolean {
  const header = headers['x-hub-signature-256'];
  if (!secret || typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
