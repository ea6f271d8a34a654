// SSE framing checked against a real SSE parser (eventsource-parser, the one the eventsource
// client uses): multi-line data survives, unicode passes unchanged, comments are ignored. And a
// client whose connection closed before its stream opened is not counted as a live client and
// holds no connection slot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { EventBus } from '../../src/core/events.js';
import { LiveService } from '../../src/live/live-service.js';
import { sseComment, sseEvent, sseRetry } from '../../src/live/sse-client.js';
import { createLogger } from '../../src/observability/logger.js';
import { MetricsRegistry } from '../../src/observability/prometheus.js';
import { teardown } from '../helpers/teardown.js';

function parse(text: string): { events: EventSourceMessage[]; retries: number[]; comments: string[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e), onRetry: (r) => retries.push(r), onComment: (c) => comments.push(c) });
  parser.feed(text);
  return { events, retries, comments };
}

test('multi-line data becomes one data field per line and is joined back by the parser', () => {
  const data = 'first line\nsecond line\r\nthird\rfourth';
  const frame = sseEvent(7, 'reading', data);
  assert.equal(frame, 'id: 7\nevent: reading\ndata: first line\ndata: second line\ndata: third\ndata: fourth\n\n');
  const { events } = parse(frame);
  assert.equal(events.length, 1);
  assert.equal(events[0].data, 'first line\nsecond line\nthird\nfourth');
  assert.equal(events[0].id, '7');
  assert.equal(events[0].event, 'reading');
});

test('unicode data arrives unchanged, also split across chunks', () => {
  const json = JSON.stringify({ name: 'Küche 温度 🌡️', note: 'line\u2028sep' });
  const bytes = Buffer.from(sseEvent(1, 'device', json), 'utf8');
  const decoder = new TextDecoder();
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  // Feed byte by byte, as a slow network would: multibyte characters are split.
  for (const byte of bytes) parser.feed(decoder.decode(Uint8Array.of(byte), { stream: true }));
  assert.equal(events.length, 1);
  assert.deepEqual(JSON.parse(events[0].data), { name: 'Küche 温度 🌡️', note: 'line\u2028sep' });
});

test('event names and comments cannot break the framing; retry is a number', () => {
  const { events, comments, retries } = parse(sseEvent(null, 'bad\nname', 'x') + sseComment('beat\nid: 99') + sseRetry(2500.4));
  assert.equal(events.length, 1);
  assert.equal(events[0].event, 'bad name');
  assert.equal(events[0].id, undefined);
  assert.deepEqual(
    comments.map((c) => c.trim()),
    ['beat id: 99'],
  );
  assert.deepEqual(retries, [2500]);
});

test('a client that left before its stream opened is not kept as a live client', async (t) => {
  const bus = new EventBus();
  const live = new LiveService(bus, createLogger('silent'), new MetricsRegistry(), {
    heartbeatMs: 60_000,
    historySize: 10,
    historyAgeMs: 60_000,
    clientQueue: 10,
    retryMs: 1_000,
    maxConnectionsPerOwner: 5,
    maxConnections: 5,
    connectionsBy: 'address',
  });
  await live.start();
  // The handler waits, as a token lookup in a remote store would, until the client has gone.
  const server = createServer();
  teardown(t, async () => {
    await live.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  let clientLeft = () => {};
  const clientGone = new Promise<void>((resolve) => {
    clientLeft = resolve;
  });
  const opened = new Promise<boolean>((resolve) => {
    server.on('request', async (_req, res) => {
      await clientGone;
      await new Promise((r) => setTimeout(r, 50)); // the server has seen the close by now
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      live.open(res, { devices: null, metrics: null, types: null }, null, 'test', live.admit('/api/stream', null, 'test'));
      resolve(res.destroyed);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1', () => {
    socket.write('GET /api/stream HTTP/1.1\r\nHost: localhost\r\n\r\n');
    setTimeout(() => {
      socket.destroy();
      clientLeft();
    }, 50);
  });
  socket.on('error', () => {});
  assert.equal(await opened, true, 'the response was already gone when the stream opened');
  assert.equal(live.clientCount, 0);
  assert.equal(live.connectionCount, 0, 'its connection slot is free again');
});
