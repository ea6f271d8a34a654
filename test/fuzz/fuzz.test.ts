// The CI slice of the fuzzers (`npm run fuzz` runs a million inputs per parser): each target of
// test/fuzz/targets/ gets FUZZ_CI_RUNS inputs (20,000, fewer for the slow ones) from a fresh seed, or from
// FUZZ_SEED. A failure names the shrunk input and the one command that replays it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTarget } from './harness.js';
import { TARGETS } from './targets/index.js';

const RUNS = process.env.FUZZ_CI_RUNS === undefined ? undefined : Number(process.env.FUZZ_CI_RUNS);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

for (const target of TARGETS) {
  test(`fuzz ${target.name}: every input accepted or refused with a known code, the heap bounded`, async (t) => {
    const runs = RUNS ?? target.ciRuns ?? 20_000;
    const { failure, ...figures } = await runTarget(target, { runs, seed: SEED });
    t.diagnostic(JSON.stringify(figures));
    if (failure)
      assert.fail(
        `${failure.error}\n  input: ${failure.counterexample}\n  seed ${failure.seed}, path ${failure.path}\n  replay: ${failure.replay}`,
      );
    assert.equal(figures.inputs, Math.min(runs, target.maxRuns ?? runs));
    assert.ok(figures.accepted > 0, 'some inputs are accepted: the generators reach past the first checks');
  });
}
