// Throws generated inputs at every parser of the hub (test/fuzz/targets/) and prints one JSON line
// per target: inputs, accepted, refused by code, duration, peak heap. A broken invariant prints
// the shrunk input, the seed, the path and the one command that replays it, and the exit code is 1.
//
//   npm run fuzz [-- --runs 1000000] [--target line,dsmr] [--seed <n>] [--path <fast-check path>]
//
// Each flag has an environment variable too: FUZZ_RUNS, FUZZ_TARGET, FUZZ_SEED, FUZZ_PATH.
import { parseArgs } from 'node:util';
import { runTarget } from '../test/fuzz/harness.js';
import { TARGETS } from '../test/fuzz/targets/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.FUZZ_RUNS ?? '1000000' },
    target: { type: 'string', default: process.env.FUZZ_TARGET },
    seed: { type: 'string', default: process.env.FUZZ_SEED },
    path: { type: 'string', default: process.env.FUZZ_PATH },
  },
});

const wanted = values.target?.split(',').filter(Boolean);
const unknown = wanted?.filter((name) => !TARGETS.some((t) => t.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive whole number, got ${values.runs}`);
  process.exit(2);
}

let failed = false;
for (const target of TARGETS.filter((t) => !wanted || wanted.includes(t.name))) {
  const report = await runTarget(target, {
    runs,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    path: values.path,
  });
  const { failure, ...figures } = report;
  console.log(JSON.stringify(figures));
  if (failure) {
    failed = true;
    console.error(`\n${target.name}: FAILED\n  error: ${failure.error}\n  input: ${failure.counterexample}`);
    console.error(`  seed ${failure.seed}, path ${failure.path || '(none)'}\n  replay: ${failure.replay}\n`);
  }
}
process.exit(failed ? 1 : 0);
