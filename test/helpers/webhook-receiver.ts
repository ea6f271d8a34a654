// A real HTTP server (node:http) that receives alert webhooks: it keeps each request's headers and
// body, checks the signature with the secret it was given, and can answer the first requests with
// 500 to make the hub retry. Given the test context it is closed after that test; without one (a
// suite's before hook), call close().
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
  /** The status the receiver answered. */
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  hooks: ReceivedHook[];
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secret?: string;
  /** Answer this many first requests with 500. */
  failFirst?: number;
}

export async function startWebhookReceiver(t: TestContext, options?: ReceiverOptions): Promise<WebhookReceiver>;
export async function startWebhookReceiver(options?: ReceiverOptions): Promise<WebhookReceiver>;
export async function startWebhookReceiver(...args: [TestContext, ReceiverOptions?] | [ReceiverOptions?]): Promise<WebhookReceiver> {
  const [t, options = {}] = isTestContext(args[0]) ? (args as [TestContext, ReceiverOptions?]) : [null, ...(args as [ReceiverOptions?])];
  const hooks: ReceivedHook[] = [];
  let toFail = options.failFirst ?? 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const answered = toFail-- > 0 ? 500 : 204;
      hooks.push({ headers: req.headers, raw, body: JSON.parse(raw), signed: verify(options.secret, raw, req.headers), answered });
      res.statusCode = answered;
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
