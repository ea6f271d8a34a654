// A raw HTTP SSE reader for tests: one plain node:http request, the bytes kept as they came and
// parsed by eventsource-parser, so tests can check both the framing and the events. Given the test
// context, the stream is closed after the test.
import { request, type IncomingHttpHeaders } from 'node:http';
import type { TestContext } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isTestContext, teardown } from '../helpers/teardown.js';

export interface SseReader {
  status: number;
  headers: IncomingHttpHeaders;
  raw: () => string;
  events: EventSourceMessage[];
  comments: string[];
  retries: number[];
  closed: Promise<void>;
  /** Resolves once `count` events (after filtering by `type` when given) have arrived. */
  waitForEvents(count: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  close(): void;
  /** Stops reading the socket (the hub's writes back up), and starts again. */
  pause(): void;
  resume(): void;
}

export async function openSse(t: TestContext, url: string, headers?: Record<string, string>): Promise<SseReader>;
export async function openSse(url: string, headers?: Record<string, string>): Promise<SseReader>;
export async function openSse(
  ...args: [TestContext, string, Record<string, string>?] | [string, Record<string, string>?]
): Promise<SseReader> {
  const [t, url, headers = {}] = isTestContext(args[0])
    ? (args as [TestContext, string, Record<string, string>?])
    : [null, ...(args as [string, Record<string, string>?])];
  const reader = await connectSse(url, headers);
  if (t) teardown(t, () => reader.close());
  return reader;
}

function connectSse(url: string, headers: Record<string, string>): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let raw = '';
      const events: EventSourceMessage[] = [];
      const comments: string[] = [];
      const retries: number[] = [];
      const waiters = new Set<() => void>();
      const parser = createParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), onRetry: (r) => retries.push(r) });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        parser.feed(chunk);
        for (const wake of [...waiters]) wake();
      });
      const closed = new Promise<void>((done) =>
        res.on('close', () => {
          done();
          for (const wake of [...waiters]) wake();
        }),
      );
      res.on('error', () => {});
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => raw,
        events,
        comments,
        retries,
        closed,
        waitForEvents(count, timeoutMs = 10_000) {
          return new Promise((done, fail) => {
            const check = () => {
              if (events.length >= count) {
                cleanup();
                done(events.slice(0, count));
              } else if (res.destroyed || res.complete) {
                cleanup();
                fail(new Error(`stream closed after ${events.length} of ${count} events`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(new Error(`timed out with ${events.length} of ${count} events`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
        pause: () => res.pause(),
        resume: () => res.resume(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Text body of a non-streaming answer (for the 400s the stream gives before it starts). */
export async function readBody(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}
