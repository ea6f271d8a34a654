// Runs many more schedules of the simulated explorer (test/explorer/sim-explorer.test.ts) than CI
// does, from a base seed, and prints one JSON line per 1000 schedules and one at the end. Every
// seed that breaks the acked-stream promise is printed with the one command that replays it.
//
//   npm run soak -- --schedules 10000 [--from <seed>] [--workers 2]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runSchedule } from '../test/explorer/sim-schedule.js';
import { Counts } from '../test/explorer/sim-world.js';

interface Slice {
  from: number;
  count: number;
}

interface Report {
  failed: Array<{ seed: number; violations: string[] }>;
  faults: Record<string, number>;
  observed: Record<string, number>;
  schedules: number;
}

async function runSlice({ from, count }: Slice, progress: (done: number) => void): Promise<Report> {
  const total = new Counts();
  const failed: Report['failed'] = [];
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSchedule(seed);
    result.counts.addTo(total);
    if (result.violations.length > 0) failed.push({ seed, violations: result.violations.slice(0, 5) });
    progress(seed - from + 1);
  }
  return { failed, faults: total.faults, observed: total.observed, schedules: count };
}

function merge(reports: Report[]): Report {
  const out: Report = { failed: [], faults: {}, observed: {}, schedules: 0 };
  for (const r of reports) {
    out.failed.push(...r.failed);
    out.schedules += r.schedules;
    for (const [k, v] of Object.entries(r.faults)) out.faults[k] = (out.faults[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.observed)) out.observed[k] = (out.observed[k] ?? 0) + v;
  }
  return out;
}

async function main(): Promise<void> {
  if (process.send) {
    // A worker: runs its slice and reports back.
    process.once('message', async (slice: Slice) => {
      const report = await runSlice(slice, (done) => {
        if (done % 250 === 0) process.send!({ progress: 250 });
      });
      process.send!({ report }, () => process.exit(0));
    });
    return;
  }
  const { values } = parseArgs({
    options: {
      schedules: { type: 'string', default: '10000' },
      from: { type: 'string' },
      workers: { type: 'string', default: '2' },
    },
  });
  const schedules = Number(values.schedules);
  const from = values.from !== undefined ? Number(values.from) : 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const workers = Math.max(1, Math.min(Number(values.workers), schedules));
  const started = Date.now();
  const per = Math.ceil(schedules / workers);
  let done = 0;
  const reports = await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const slice = { from: from + i * per, count: Math.max(0, Math.min(per, schedules - i * per)) };
      return new Promise<Report>((resolve, reject) => {
        const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'] });
        child.on('message', (msg: { progress?: number; report?: Report }) => {
          if (msg.progress) {
            done += msg.progress;
            if (done % 1000 === 0)
              console.log(JSON.stringify({ progress: done, of: schedules, seconds: Math.round((Date.now() - started) / 1000) }));
          }
          if (msg.report) resolve(msg.report);
        });
        child.on('exit', (code) => {
          if (code !== 0) reject(new Error(`soak worker ${i} exited with ${code}`));
        });
        child.send(slice);
      });
    }),
  );
  const report = merge(reports);
  for (const f of report.failed) {
    console.log(
      `seed ${f.seed} broke the acked-stream promise:\n  ${f.violations.join('\n  ')}\n  replay: SIM_SEED=${f.seed} node --import tsx --test test/explorer/sim-explorer.test.ts`,
    );
  }
  console.log(
    JSON.stringify({
      soak: 'sim-explorer',
      from,
      schedules: report.schedules,
      failed: report.failed.map((f) => f.seed),
      seconds: Math.round((Date.now() - started) / 1000),
      faults: report.faults,
      observed: report.observed,
    }),
  );
  process.exitCode = report.failed.length > 0 ? 1 : 0;
}

await main();
