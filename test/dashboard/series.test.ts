// The join of REST history and live points the dashboard charts draw, and the window size
// fitted to a chart's width. Pure logic from dashboard/src/series.ts, run under Node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { everyParam, fitEvery, JoinedSeries } from '../../dashboard/src/series.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('fitEvery', () => {
  it('keeps raw readings when there are no more of them than pixels', () => {
    assert.equal(fitEvery(15 * 60_000, 1000, 1000), null);
  });

  it('fits a window so an hour and a year both come back as a few hundred points', () => {
    for (const span of [HOUR, DAY, 7 * DAY, 365 * DAY]) {
      const every = fitEvery(span, 1000, 1000);
      assert.ok(every !== null, `span ${span} should aggregate`);
      const points = span / every;
      const fitted = (points >= 200 && points <= 500) || every === DAY;
      assert.ok(fitted, `span ${span}: ${points} points at every ${every}`);
    }
    assert.equal(everyParam(fitEvery(DAY, 1000, 1000)!), '5m');
    assert.equal(everyParam(fitEvery(365 * DAY, 1000, 1000)!), '1d');
  });

  it('never asks for a window the hub refuses (1 s … 1 d)', () => {
    assert.equal(fitEvery(10 * 365 * DAY, 300), DAY);
    assert.ok(fitEvery(2 * HOUR, 4000, 100)! >= 1000);
  });

  it('writes windows in the hub query syntax', () => {
    assert.deepEqual([1000, 30_000, 300_000, HOUR, DAY, 1500].map(everyParam), ['1s', '30s', '5m', '1h', '1d', '1500']);
  });
});

describe('JoinedSeries, raw', () => {
  it('buffers live points while history loads and adds only those after it, once each', () => {
    const s = new JoinedSeries(null);
    s.add(3000, 3); // arrived while the history request was out; the history has it too
    s.add(4000, 4);
    assert.equal(s.loaded, false);
    assert.deepEqual(s.xs, []);
    s.loadRaw([
      { ts: 1000, value: 1 },
      { ts: 2000, value: 2 },
      { ts: 3000, value: 3 },
    ]);
    s.add(4000, 4); // the same live point again (a resumed stream replays it)
    s.add(5000, 5);
    assert.deepEqual(s.xs, [1000, 2000, 3000, 4000, 5000]);
    assert.deepEqual(s.ys, [1, 2, 3, 4, 5]);
  });

  it('ignores live points older than the history and places late ones in order', () => {
    const s = new JoinedSeries(null);
    s.loadRaw([
      { ts: 1000, value: 1 },
      { ts: 2000, value: 2 },
    ]);
    s.add(500, 0);
    s.add(4000, 4);
    s.add(3000, 3);
    assert.deepEqual(s.xs, [1000, 2000, 3000, 4000]);
  });

  it('keeps only the newest keepMs of a rolling chart', () => {
    const s = new JoinedSeries(null, 2000);
    s.loadRaw([
      { ts: 1000, value: 1 },
      { ts: 2000, value: 2 },
    ]);
    s.add(3000, 3);
    s.add(4000, 4);
    assert.deepEqual(s.xs, [2000, 3000, 4000]);
  });

  it('bumps its version on every change so charts redraw only then', () => {
    const s = new JoinedSeries(null);
    s.loadRaw([]);
    const v = s.version;
    s.add(1000, 1);
    assert.ok(s.version > v);
    const w = s.version;
    s.add(1000, 1);
    assert.equal(s.version, w);
  });
});

describe('JoinedSeries, aggregated', () => {
  it('folds finer windows, raw readings and live points into the open window by count', () => {
    const s = new JoinedSeries(60_000);
    s.add(125_000, 40); // live, buffered; after the cutoff below
    s.add(119_000, 99); // live, but older than the cutoff: already in the history
    s.loadAggregated(
      [
        { ts: 0, value: 10, count: 60 }, // a whole window
        { ts: 60_000, value: 20, count: 30 }, // a whole window
        { ts: 120_000, value: 30, count: 2 }, // a finer piece of the open window
      ],
      [{ ts: 122_000, value: 33 }],
      121_999,
    );
    assert.deepEqual(s.xs, [0, 60_000, 120_000]);
    // (30*2 + 33 + 40) / 4
    assert.equal(s.ys[2], (30 * 2 + 33 + 40) / 4);
    s.add(185_000, 50); // a new window opens
    assert.deepEqual(s.xs, [0, 60_000, 120_000, 180_000]);
    assert.equal(s.ys[3], 50);
  });

  it('without raw readings uses the given cutoff', () => {
    const s = new JoinedSeries(60_000);
    s.loadAggregated([{ ts: 0, value: 1, count: 1 }], [], 59_999);
    s.add(30_000, 100); // inside the already covered history
    s.add(60_000, 7);
    assert.deepEqual(s.ys, [1, 7]);
  });
});
