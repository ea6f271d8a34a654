// SSE framing checked against a real SSE parser (eventsource-parser, the one the eventsource
// client uses): multi-line data survives, unicode passes unchanged, comments are ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { sseComment, sseEvent, sseRetry } from '../../src/live/sse-client.js';

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
  assert.deepEqual(comments.map((c) => c.trim()), ['beat id: 99']);
  assert.deepEqual(retries, [2500]);
});
