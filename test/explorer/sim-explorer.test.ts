// Seeded schedule explorer for the acked-stream promise (docs/protocol.md, "Stream rules"), over
// the real core and the real SQLite store in simulated time: device clients, ESP32-like ring
// devices and serial boards under cuts, reboots, hub crashes, store failures and slow writes,
// line noise, duplicated packets and stray publishers (sim-schedule.ts, sim-faults.ts). After
// each schedule the store must hold every acked reading exactly once and nothing twice, every
// backlog must have drained, and a reading may be missing only when its device gave it up and
// the hub counted that seq lost or refused it (sim-invariants.ts).
//
//   npm test -- sim-explorer                                   the CI seeds (SIM_SCHEDULES, default 300)
//   SIM_SEED=17 node --import tsx --test test/explorer/sim-explorer.test.ts    one seed, with its trace
//   npm run soak -- --schedules 10000                          many more, from a random base
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSchedule, type ScheduleResult } from './sim-schedule.js';
import { Counts } from './sim-world.js';

const replay = (seed: number) => `SIM_SEED=${seed} node --import tsx --test test/explorer/sim-explorer.test.ts`;

function report(result: ScheduleResult): string {
  return [
    `sim explorer: seed ${result.seed} broke the acked-stream promise after ${result.steps} steps`,
    ...result.violations.map((v) => `  ${v}`),
    ...(result.trace.length > 0 ? ['trace:', ...result.trace] : []),
    `replay: ${replay(result.seed)}`,
  ].join('\n');
}

if (process.env.SIM_SEED) {
  for (const seed of process.env.SIM_SEED.split(',').map(Number)) {
    test(`sim explorer seed ${seed}`, async (t) => {
      const result = await runSchedule(seed, { trace: true });
      t.diagnostic(`faults ${JSON.stringify(result.counts.faults)}; observed ${JSON.stringify(result.counts.observed)}`);
      if (result.violations.length > 0 || process.env.SIM_TRACE) console.log(report(result));
      assert.deepEqual(result.violations, [], `seed ${seed}; replay: ${replay(seed)}`);
    });
  }
} else {
  const schedules = Number(process.env.SIM_SCHEDULES ?? 300);
  test(`sim explorer: ${schedules} seeded schedules keep the acked-stream promise`, { timeout: 240_000 }, async (t) => {
    const total = new Counts();
    const failed: number[] = [];
    for (let seed = 1; seed <= schedules; seed++) {
      const result = await runSchedule(seed);
      result.counts.addTo(total);
      if (result.violations.length > 0) {
        failed.push(seed);
        // The trace is only kept on replay; print the violations and the one command here.
        console.log(report(result));
      }
    }
    t.diagnostic(`faults ${JSON.stringify(total.faults)}`);
    t.diagnostic(`observed ${JSON.stringify(total.observed)}`);
    // The schedules must really exercise the faults they claim to: each kind drawn at least once.
    for (const kind of [
      'connectionCut',
      'hubCrash',
      'crashCommitted',
      'crashLost',
      'storeWriteFail',
      'storeWriteSlow',
      'strayPublish',
      'duplicatedPublish',
      'clientRebootFresh',
      'clientRebootSaved',
      'espReboot',
      'mcuReset',
      'lineFrameLost',
      'lineGarbage',
    ]) {
      assert.ok((total.faults[kind] ?? 0) > 0, `no schedule drew the fault ${kind}`);
    }
    for (const seen of ['ringOverflow', 'streamLoss', 'duplicate']) {
      assert.ok((total.observed[seen] ?? 0) > 0, `no schedule made the hub see ${seen}`);
    }
    assert.deepEqual(failed, [], `seeds that broke the promise: ${failed.join(', ')}; replay one with: ${replay(failed[0] ?? 0)}`);
  });
}
