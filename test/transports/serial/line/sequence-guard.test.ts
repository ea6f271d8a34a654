// The line session's guard against holes in a stream that lost a frame on the wire.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceGuard } from '../../../../src/transports/serial/line/sequence-guard.js';

describe('SequenceGuard', () => {
  it('takes frames in order, and resends of frames already taken', () => {
    const guard = new SequenceGuard(() => 0);
    guard.restart(9);
    assert.deepEqual(guard.check(10), { verdict: 'take', resend: false });
    assert.deepEqual(guard.check(11), { verdict: 'take', resend: false });
    assert.deepEqual(guard.check(10), { verdict: 'take', resend: true });
    assert.deepEqual(guard.check(12), { verdict: 'take', resend: false });
  });

  it('expects seq 0 when the hub has no head, and follows a device that says its oldest is later', () => {
    const guard = new SequenceGuard(() => 0);
    guard.restart(null);
    assert.deepEqual(guard.check(1), { verdict: 'gap', expected: 0, askResend: true }, 'seq 0 was lost on the line');
    assert.deepEqual(guard.check(0), { verdict: 'take', resend: false });
    guard.restart(null);
    assert.equal(guard.deviceOldest(500), 500, 'a device numbered before the hub had a head says its oldest in its heartbeat');
    assert.deepEqual(guard.check(500), { verdict: 'take', resend: false });
    assert.equal(guard.check(502).verdict, 'gap');
  });

  it('holds back frames after a hole, asks once per second, and takes the resend', () => {
    let now = 0;
    const guard = new SequenceGuard(() => now);
    guard.restart(9);
    assert.deepEqual(guard.check(11), { verdict: 'gap', expected: 10, askResend: true });
    assert.deepEqual(guard.check(12), { verdict: 'gap', expected: 10, askResend: false });
    assert.deepEqual(
      guard.check(11),
      { verdict: 'gap', expected: 10, askResend: false },
      'a repeat proves nothing: the resend of 10 may have been destroyed too',
    );
    now = 1_000;
    assert.deepEqual(guard.check(13), { verdict: 'gap', expected: 10, askResend: true });
    assert.deepEqual(guard.check(10), { verdict: 'take', resend: false });
    assert.deepEqual(guard.check(11), { verdict: 'take', resend: false });
  });

  it('accepts a hole only when the device says its oldest sample comes after it', () => {
    const guard = new SequenceGuard(() => 0);
    guard.restart(9);
    assert.equal(guard.check(13).verdict, 'gap');
    assert.equal(guard.deviceOldest(10), 0, 'the device still holds 10: keep waiting');
    assert.equal(guard.deviceOldest(8), 0);
    assert.equal(guard.deviceOldest(13), 3);
    assert.deepEqual(guard.check(13), { verdict: 'take', resend: false });
  });

  it('goes on from a frame that was not taken after all', () => {
    const guard = new SequenceGuard(() => 0);
    guard.restart(9);
    assert.equal(guard.check(10).verdict, 'take');
    guard.holdAt(10);
    assert.deepEqual(guard.check(11), { verdict: 'gap', expected: 10, askResend: true });
    assert.deepEqual(guard.check(10), { verdict: 'take', resend: false });
  });

  it('works across the uint32 wrap', () => {
    const guard = new SequenceGuard(() => 0);
    guard.restart(4294967294);
    assert.deepEqual(guard.check(4294967295), { verdict: 'take', resend: false });
    assert.deepEqual(guard.check(0), { verdict: 'take', resend: false });
    assert.equal(guard.check(2).verdict, 'gap');
    assert.equal(guard.deviceOldest(2), 1);
  });
});
