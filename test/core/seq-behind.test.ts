// Which resends the device is told about: far behind the stream (or a start over from 0 or 1),
// once a minute per device; a plain resend of a recent message stays silent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAR_BEHIND, NOTICE_INTERVAL_MS, SeqBehindNotices } from '../../src/core/seq-behind.js';

test('a recent resend is silent; far behind, or seq 0/1 again, is told once per interval and device', () => {
  const notices = new SeqBehindNotices();
  const T0 = 1_000_000;
  assert.equal(notices.check('d1', 5_000 - FAR_BEHIND, 5_000, T0), null, 'exactly the allowed distance');
  assert.equal(notices.check('d1', 7, 8, T0), null);
  const far = notices.check('d1', 5_000 - FAR_BEHIND - 1, 5_000, T0);
  assert.equal(far?.code, 'seq_behind');
  assert.match(far!.detail, /seq 3999 is 1001 behind 5000/);
  assert.equal(notices.check('d1', 0, 5_000, T0 + 1), null, 'told already this minute');
  assert.equal(notices.check('d2', 0, 0, T0)?.code, 'seq_behind', 'a script run again from seq 0');
  assert.equal(notices.check('d3', 1, 3, T0)?.code, 'seq_behind');
  assert.equal(notices.check('d1', 0, 5_000, T0 + NOTICE_INTERVAL_MS)?.code, 'seq_behind', 'told again after the interval');
  // Across the wrap of the uint32 space: 4294967295 is 2 behind 1.
  assert.equal(notices.check('d4', 4_294_967_295, 1, T0), null);
});
