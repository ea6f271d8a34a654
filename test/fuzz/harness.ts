// Runs one fuzz target: fast-check generates inputs, the target feeds each to its parser and
// says what came of it (accepted, or refused with a code and a detail), and the harness checks
// that nothing else can happen: no exception escapes, every refusal carries one of the parser's
// known codes and a detail, and the heap stays bounded over the run. A broken invariant is shrunk
// by fast-check to a minimal input and reported with the seed, the path and one replay command.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';

/** What became of one frame, telegram or document found in an input. */
export type Outcome =
  | { accepted: true /** Codes of items (readings) the pipeline refuses one by one, the rest kept. */; itemRefusals?: string[] }
  | { refused: string; detail: string };

export interface FuzzTarget<Input = any> {
  name: string;
  /** Every refusal code the parser may report; any other is a broken invariant. */
  codes: readonly string[];
  input: fc.Arbitrary<Input>;
  /** Feeds one input; throws when what comes out breaks an invariant. A framer may find several frames in an input, or none. */
  feed(input: Input): Outcome[] | Promise<Outcome[]>;
  /** True when feed returns a promise. */
  async?: boolean;
  /** The most inputs a run gives this target, when its parser is too slow or its driver too heavy for more. */
  maxRuns?: number;
  /** Inputs of the CI slice, when 20,000 would take too long. */
  ciRuns?: number;
  /** Heap growth allowed over a run (default 64 MB). */
  maxHeapGrowthMB?: number;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface RunOptions {
  runs: number;
  seed?: number;
  /** fast-check's path of a failure, to replay it alone. */
  path?: string;
  /** Largest growth of the heap (after a GC) allowed between the warm-up and the end of the run. */
  maxHeapGrowthMB?: number;
}

export interface FuzzReport {
  target: string;
  seed: number;
  inputs: number;
  /** Frames, telegrams or documents found in the inputs (one per input for the parsers that take whole inputs). */
  outcomes: number;
  accepted: number;
  refused: Record<string, number>;
  itemsRefused: Record<string, number>;
  durationMs: number;
  peakHeapMB: number;
  heapGrowthMB: number;
  failure?: { seed: number; path: string; counterexample: string; error: string; replay: string };
}

const gc = exposeGc();

export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<FuzzReport> {
  options = { ...options, runs: Math.min(options.runs, target.maxRuns ?? options.runs) };
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
  const report: FuzzReport = {
    target: target.name,
    seed,
    inputs: 0,
    outcomes: 0,
    accepted: 0,
    refused: {},
    itemsRefused: {},
    durationMs: 0,
    peakHeapMB: 0,
    heapGrowthMB: 0,
  };
  const heap = new HeapWatch(options.runs);
  const known = new Set(target.codes);
  // Tallies stop at the first failure: fast-check then reruns shrunk inputs, which are no sample.
  let failing = false;
  const judge = (outcomes: Outcome[]) => {
    for (const outcome of outcomes) checkOutcome(outcome, known);
    if (failing) return;
    report.inputs++;
    for (const outcome of outcomes) count(report, outcome);
    heap.tick(report.inputs);
  };
  const fail = (err: unknown): never => {
    failing = true;
    throw err;
  };
  const started = performance.now();
  await target.start?.();
  try {
    const parameters = { numRuns: options.runs, seed, path: options.path };
    const details = target.async
      ? await fc.check(
          fc.asyncProperty(target.input, async (input) => {
            try {
              judge(await target.feed(input));
            } catch (err) {
              fail(err);
            }
          }),
          parameters,
        )
      : fc.check(
          fc.property(target.input, (input) => {
            try {
              judge(target.feed(input) as Outcome[]);
            } catch (err) {
              fail(err);
            }
          }),
          parameters,
        );
    if (details.failed) report.failure = failureOf(target.name, details);
  } finally {
    await target.stop?.();
  }
  report.durationMs = Math.round(performance.now() - started);
  heap.finish(report);
  const limit = options.maxHeapGrowthMB ?? target.maxHeapGrowthMB ?? 64;
  if (!report.failure && gc && report.heapGrowthMB > limit)
    report.failure = {
      seed,
      path: '',
      counterexample: '',
      error: `heap grew by ${report.heapGrowthMB} MB over the run (limit ${limit} MB)`,
      replay: replayCommand(target.name, seed, null, options.runs),
    };
  return report;
}

function checkOutcome(outcome: Outcome, known: ReadonlySet<string>): void {
  if ('accepted' in outcome) {
    for (const code of outcome.itemRefusals ?? []) assert.ok(known.has(code), `item refused with unknown code ${code}`);
    return;
  }
  assert.ok(known.has(outcome.refused), `refused with unknown code ${JSON.stringify(outcome.refused)}`);
  assert.equal(typeof outcome.detail, 'string');
  assert.ok(outcome.detail.trim().length > 0, `refusal ${outcome.refused} without a detail`);
}

function count(report: FuzzReport, outcome: Outcome): void {
  report.outcomes++;
  if ('accepted' in outcome) {
    report.accepted++;
    for (const code of outcome.itemRefusals ?? []) report.itemsRefused[code] = (report.itemsRefused[code] ?? 0) + 1;
  } else report.refused[outcome.refused] = (report.refused[outcome.refused] ?? 0) + 1;
}

function failureOf(name: string, details: fc.RunDetails<[unknown]>): NonNullable<FuzzReport['failure']> {
  const path = details.counterexamplePath ?? '';
  return {
    seed: details.seed,
    path,
    counterexample: fc.stringify(details.counterexample).slice(0, 4000),
    error: String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance).slice(0, 2000),
    replay: replayCommand(name, details.seed, path, 1),
  };
}

export function replayCommand(name: string, seed: number, path: string | null, runs: number): string {
  return `npm run fuzz -- --target ${name} --seed=${seed}${path ? ` --path ${path}` : ''} --runs ${runs}`;
}

/**
 * Samples the heap after a full GC at about fifty points of the run. The growth is measured from
 * the sample at a tenth of the run (caches and JIT warmed up) to the last one, so a parser or
 * framer that keeps a little of every input shows, while the warm-up does not.
 */
class HeapWatch {
  private readonly every: number;
  private baseline: number | null = null;
  private last = 0;
  private peak = 0;

  constructor(private readonly runs: number) {
    this.every = Math.max(500, Math.floor(runs / 50));
  }

  tick(done: number): void {
    if (done % this.every !== 0) return;
    const used = sampleHeap();
    this.peak = Math.max(this.peak, used);
    this.last = used;
    if (this.baseline === null && done >= this.runs / 10) this.baseline = used;
  }

  finish(report: FuzzReport): void {
    const used = sampleHeap();
    this.peak = Math.max(this.peak, used, process.memoryUsage().heapUsed);
    this.last = used;
    report.peakHeapMB = toMB(this.peak);
    report.heapGrowthMB = this.baseline === null ? 0 : toMB(Math.max(0, this.last - this.baseline));
  }
}

function sampleHeap(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

const toMB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** `global.gc` under --expose-gc; otherwise the flag is set now and gc taken from a fresh context. */
function exposeGc(): (() => void) | null {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}
