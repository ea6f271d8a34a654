// The line protocol's framing and frame bodies, checked against frames the real firmware sends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatHubFrame, parseDeviceFrame } from '../../../../src/transports/serial/line/codec.js';
import { toWireCommand } from '../../../../src/transports/serial/line/commands.js';
import {
  FrameError,
  LineSplitter,
  MAX_LINE_BYTES,
  crc8,
  decodeFrame,
  encodeFrame,
} from '../../../../src/transports/serial/line/framing.js';
import type { Command } from '../../../../src/core/model.js';

// Captured from firmware/serial-telemetry running in avr8js (the AVR computes the CRC with avr-libc).
const FIRMWARE_HELLO = 'hello uno-1 proto=1 fw=serial-telemetry-1.0.0 iv=1000 m=light:%,temperature:°C a=led:led,relay:relay*DE';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FrameError, `expected a FrameError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected the frame to be refused');
};

describe('line framing', () => {
  it('uses CRC-8 with polynomial 0x07 (check value 0xF4) like avr-libc', () => {
    assert.equal(crc8(Buffer.from('123456789')), 0xf4);
    assert.equal(decodeFrame(Buffer.from(FIRMWARE_HELLO)), FIRMWARE_HELLO.slice(0, -3));
  });

  it('encodes a body with its checksum and decodes it back', () => {
    const frame = encodeFrame('h 41');
    assert.match(frame.toString(), /^h 41\*[0-9A-F]{2}\n$/);
    assert.equal(decodeFrame(frame.subarray(0, -1)), 'h 41');
  });

  it('refuses damaged frames with a reason code', () => {
    const good = encodeFrame('t 5 0 light=50.0').subarray(0, -1);
    const flipped = Buffer.from(good);
    flipped[4] ^= 0x01;
    assert.equal(
      codeOf(() => decodeFrame(flipped)),
      'checksum',
    );
    assert.equal(
      codeOf(() => decodeFrame(Buffer.from('t 5 0 light=50.0'))),
      'no_checksum',
    );
    assert.equal(
      codeOf(() => decodeFrame(Buffer.from('t 5 0 light=50.0*G1'))),
      'no_checksum',
    );
    const binary = Buffer.from([0x74, 0x20, 0xff, 0xfe]);
    const binaryFrame = Buffer.concat([binary, Buffer.from(`*${crc8(binary).toString(16).toUpperCase().padStart(2, '0')}`)]);
    assert.equal(
      codeOf(() => decodeFrame(binaryFrame)),
      'encoding',
    );
  });

  it('splits a stream chunked at every byte into the same lines, CRLF or LF', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(
      (l) => lines.push(l.toString()),
      () => assert.fail('no overflow expected'),
    );
    for (const byte of Buffer.from('hb 1 0 0*00\r\nhello x*11\n\n')) splitter.push(Buffer.from([byte]));
    assert.deepEqual(lines, ['hb 1 0 0*00', 'hello x*11']);
  });

  it('discards an over-long line once and goes on with the next', () => {
    const lines: string[] = [];
    const overflows: number[] = [];
    const splitter = new LineSplitter(
      (l) => lines.push(l.toString()),
      (n) => overflows.push(n),
    );
    splitter.push(Buffer.alloc(MAX_LINE_BYTES + 50, 0x41));
    splitter.push(Buffer.from('AAAA\nok*00\n'));
    assert.deepEqual(overflows, [MAX_LINE_BYTES + 54]);
    assert.deepEqual(lines, ['ok*00']);
  });
});

describe('line frame bodies', () => {
  it('parses the firmware hello', () => {
    assert.deepEqual(parseDeviceFrame(FIRMWARE_HELLO.slice(0, -3)), {
      type: 'hello',
      deviceId: 'uno-1',
      protocol: 1,
      firmware: 'serial-telemetry-1.0.0',
      sampleIntervalMs: 1000,
      metrics: [
        { name: 'light', unit: '%' },
        { name: 'temperature', unit: '°C' },
      ],
      actuators: [
        { name: 'led', type: 'led' },
        { name: 'relay', type: 'relay' },
      ],
    });
  });

  it('takes the boot id of a hello, and refuses one that is not a whole number', () => {
    assert.equal((parseDeviceFrame('hello uno-1 proto=1 boot=513') as { bootId?: number }).bootId, 513);
    assert.throws(() => parseDeviceFrame('hello uno-1 proto=1 boot=x1'), { code: 'bad_field' });
  });

  it('parses telemetry, heartbeats, command acks and device errors', () => {
    assert.deepEqual(parseDeviceFrame('t 4294967295 120 light=50.0 temperature=-2.5'), {
      type: 'telemetry',
      seq: 4294967295,
      ageMs: 120,
      values: [
        { metric: 'light', value: 50 },
        { metric: 'temperature', value: -2.5 },
      ],
    });
    assert.deepEqual(parseDeviceFrame('hb 5000 2 0 41'), { type: 'heartbeat', uptimeMs: 5000, buffered: 2, lost: 0, first: 41 });
    assert.deepEqual(parseDeviceFrame('hb 5000'), { type: 'heartbeat', uptimeMs: 5000 });
    assert.deepEqual(parseDeviceFrame('cack c-1 ok'), { type: 'commandAck', commandId: 'c-1', ok: true });
    assert.deepEqual(parseDeviceFrame('cack c-1 err relay stuck'), {
      type: 'commandAck',
      commandId: 'c-1',
      ok: false,
      error: 'relay stuck',
    });
    assert.deepEqual(parseDeviceFrame('err bad frame'), { type: 'error', reason: 'bad frame' });
  });

  it('refuses malformed bodies with a reason code', () => {
    assert.equal(
      codeOf(() => parseDeviceFrame('zap 1 2')),
      'unknown_type',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('t x 0 light=1')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('t 4294967296 0 light=1')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('t 1 0')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('t 1 0 light=abc')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('t 1 0 =5')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('hello uno-1 proto=2')),
      'protocol',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('hello uno-1')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('hello bad/id proto=1')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('hello uno-1 proto=1 a=fan:motor')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('hb')),
      'bad_field',
    );
    assert.equal(
      codeOf(() => parseDeviceFrame('cack c-1 maybe')),
      'bad_field',
    );
  });

  it('formats hub frames', () => {
    assert.equal(formatHubFrame({ type: 'hi' }), 'hi');
    assert.equal(formatHubFrame({ type: 'welcome', h: null }), 'welcome -');
    assert.equal(formatHubFrame({ type: 'welcome', h: 41, sampleIntervalMs: 100 }), 'welcome 41 iv=100');
    assert.equal(formatHubFrame({ type: 'welcome', h: 41, sampleIntervalMs: 100, bootId: 0 }), 'welcome 41 iv=100 boot=0');
    assert.equal(formatHubFrame({ type: 'ack', h: 7 }), 'h 7');
    assert.equal(
      formatHubFrame({
        type: 'command',
        id: 'c-1',
        action: 'set',
        params: [
          ['led', 1],
          ['fan', 128],
        ],
      }),
      'cmd c-1 set led=1 fan=128',
    );
    assert.equal(formatHubFrame({ type: 'error', reason: 'bad*\nframe' }), 'err bad  frame');
  });
});

describe('line commands', () => {
  const actuators = [
    { name: 'led', type: 'led' as const },
    { name: 'fan', type: 'pwm' as const },
    { name: 'arm', type: 'servo' as const },
  ];
  const command = (action: string, params: Record<string, unknown>): Command => ({
    id: '3f2a1c9e-0b7d-4e5f-9a8b-1c2d3e4f5a6b',
    deviceId: 'uno-1',
    action,
    params,
    state: 'queued',
    createdAt: 0,
    updatedAt: 0,
    expiresAt: 1,
  });

  it('turns set params into wire values', () => {
    assert.deepEqual(toWireCommand(command('set', { led: true, fan: 128, arm: 90 }), actuators), {
      ok: true,
      params: [
        ['led', 1],
        ['fan', 128],
        ['arm', 90],
      ],
    });
    assert.deepEqual(toWireCommand(command('set', { led: false }), actuators), { ok: true, params: [['led', 0]] });
  });

  it('refuses what the device cannot do, with a reason', () => {
    const error = (params: Record<string, unknown>, action = 'set') => {
      const wire = toWireCommand(command(action, params), actuators);
      assert.equal(wire.ok, false);
      return wire.ok ? '' : wire.error;
    };
    assert.match(error({ led: true }, 'blink'), /unknown action "blink"/);
    assert.match(error({ pump: true }), /unknown actuator "pump"/);
    assert.match(error({ led: 1 }), /true or false/);
    assert.match(error({ fan: 256 }), /0-255/);
    assert.match(error({ arm: 181 }), /0-180/);
    assert.match(error({}), /at least one actuator/);
  });
});
