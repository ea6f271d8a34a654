// The framer on broken streams: cut-off telegrams, endless garbage, mangled CRC lines. Each
// broken piece is reported once as dropped and the next good telegram still comes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_TELEGRAM_BYTES, TelegramFramer, type FramerOutput } from '../../../../src/transports/serial/dsmr/framer.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', `${name}.txt`));
const good = fixture('v5_example');
const legacy = fixture('v2_2_example');

function kinds(out: FramerOutput[]): string[] {
  return out.map((o) =>
    o.kind === 'telegram' ? `telegram:${o.crc === null ? 'none' : o.crc.valid ? 'ok' : 'bad'}` : `dropped:${o.reason}`,
  );
}

test('a telegram cut off by a new one is dropped as truncated; the new one is framed', () => {
  const framer = new TelegramFramer();
  const out = framer.push(Buffer.concat([good.subarray(0, 300), good]));
  assert.deepEqual(kinds(out), ['dropped:truncated', 'telegram:ok']);
  assert.equal((out[0] as { bytes: number }).bytes, 300);
});

test('a flipped byte in a value fails the CRC', () => {
  const corrupted = Buffer.from(good);
  corrupted[good.indexOf('4.426')] = '5'.charCodeAt(0);
  assert.deepEqual(kinds(new TelegramFramer().push(Buffer.concat([corrupted, good]))), ['telegram:bad', 'telegram:ok']);
});

test('a CRC line that is not 1-4 hex digits is dropped, framing resumes at the next "/"', () => {
  const bang = good.indexOf('!');
  const mangled = Buffer.concat([good.subarray(0, bang + 1), Buffer.from('6Z\r\n')]);
  const runaway = Buffer.concat([good.subarray(0, bang + 1), Buffer.from('6EEE6EEE6EEE')]);
  assert.deepEqual(kinds(new TelegramFramer().push(Buffer.concat([mangled, good]))), ['dropped:malformed crc', 'telegram:ok']);
  assert.deepEqual(kinds(new TelegramFramer().push(Buffer.concat([runaway, good]))), ['dropped:malformed crc', 'telegram:ok']);
});

test('DSMR 2.2 telegrams without a CRC follow each other', () => {
  assert.deepEqual(kinds(new TelegramFramer().push(Buffer.concat([legacy, legacy]))), ['telegram:none', 'telegram:none']);
});

test('a telegram that never ends is dropped once it exceeds the size limit; memory stays bounded', () => {
  const framer = new TelegramFramer();
  const out: FramerOutput[] = [];
  out.push(...framer.push(Buffer.from('/NOISE5\r\n\r\n')));
  const filler = Buffer.alloc(4096, 'A');
  for (let i = 0; i < 10; i++) out.push(...framer.push(filler));
  out.push(...framer.push(good));
  assert.deepEqual(kinds(out), ['dropped:oversized', 'telegram:ok']);
  assert.ok((out[0] as { bytes: number }).bytes > MAX_TELEGRAM_BYTES);
});

test('an oversized telegram arriving whole in one chunk is dropped too; the telegram after it survives', () => {
  const bang = good.indexOf('!');
  const padding = Buffer.alloc(MAX_TELEGRAM_BYTES, 'A');
  const huge = Buffer.concat([good.subarray(0, bang - 2), padding, good.subarray(bang - 2)]);
  assert.deepEqual(kinds(new TelegramFramer().push(Buffer.concat([huge, good]))), ['dropped:oversized', 'telegram:ok']);
});

test('random bytes never throw and never yield a telegram with a valid CRC', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const framer = new TelegramFramer();
  for (let i = 0; i < 2000; i++) {
    const chunk = Buffer.alloc(1 + Math.floor(random() * 200));
    for (let j = 0; j < chunk.length; j++) chunk[j] = Math.floor(random() * 256);
    for (const out of framer.push(chunk)) assert.ok(out.kind === 'dropped' || out.crc === null || !out.crc.valid || out.bytes.length < 8);
  }
  assert.deepEqual(kinds(framer.push(Buffer.concat([Buffer.from('\r\n'), good]))).at(-1), 'telegram:ok');
});

test('reset() forgets a half telegram after the port closed', () => {
  const framer = new TelegramFramer();
  assert.deepEqual(framer.push(good.subarray(0, 500)), []);
  framer.reset();
  assert.deepEqual(kinds(framer.push(good.subarray(500))), []);
  assert.deepEqual(kinds(framer.push(good)), ['telegram:ok']);
});
