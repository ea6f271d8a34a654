// Shared parts of the scale benchmarks (tens of thousands of MQTT devices or SSE clients): how
// many connections this machine allows, the memory of a server process read from /proc and, for
// the hub, from inside it, and the load generators, each a child process of its own that answers
// the commands the benchmark sends it.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';

/**
 * The open-file limit a process started from here gets. Node raises its soft limit to the hard
 * one at start-up, and the other servers are started through `ulimit -n <hard>`, so the hard
 * limit is what counts; raising it needs CAP_SYS_RESOURCE, which a benchmark should not ask for.
 */
export function fileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === 'unlimited' ? Number.POSITIVE_INFINITY : Number(hard);
}

/** Descriptors a server needs beside its connections: listeners, the store, the event loop, logs. */
const RESERVED_FDS = 500;

/**
 * How many connections to open: `env` (default `wanted`), but no more than one server process can
 * hold within the open-file limit. `limitedBy` says why the count is lower than asked.
 */
export function connectionCount(envName: string, wanted: number): { count: number; asked: number; limitedBy?: string } {
  const asked = Number(process.env[envName] ?? wanted);
  const limit = fileLimit();
  const fits = limit - RESERVED_FDS;
  if (asked <= fits) return { count: asked, asked };
  return { count: fits, asked, limitedBy: `open-file limit ${limit} per process (hard; ${RESERVED_FDS} kept for the server itself)` };
}

export function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

/** Environment that loads bench/memory-probe.mjs into a Node server process. */
export function memoryProbeEnv(file: string): NodeJS.ProcessEnv {
  const probe = new URL('./memory-probe.mjs', import.meta.url).pathname;
  return { NODE_OPTIONS: `--expose-gc --import ${probe}`, BENCH_MEMORY_FILE: file };
}

export interface HeapFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Asks the probe in `pid` for its memory after a full GC. */
export async function probeMemory(pid: number, file: string, timeoutMs = 30_000): Promise<HeapFigures> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file) || statSync(file).size === 0) {
    if (Date.now() > deadline) throw new Error(`no memory figures from ${pid} within ${timeoutMs} ms`);
    await sleep(20);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as HeapFigures;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 102.4) / 10;
}

/** Generator processes: each runs `script` with its own part of the load and answers commands in order. */
export class Generators {
  private readonly children: ChildProcess[] = [];

  constructor(
    private readonly script: string,
    private readonly configs: object[],
  ) {}

  start(): void {
    for (const config of this.configs) {
      const child = fork(this.script, [JSON.stringify(config)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.children.push(child);
    }
  }

  /** Sends `command` to every generator and resolves with their answers, in generator order. */
  async ask<T>(command: object, timeoutMs = 600_000): Promise<T[]> {
    return Promise.all(
      this.children.map(
        (child) =>
          new Promise<T>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`generator ${child.pid}: no answer within ${timeoutMs} ms`)), timeoutMs);
            const onExit = (code: number | null) => reject(new Error(`generator ${child.pid} exited with ${code}`));
            child.once('exit', onExit);
            child.once('message', (answer) => {
              clearTimeout(timer);
              child.off('exit', onExit);
              resolve(answer as T);
            });
            child.send(command);
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }),
    );
  }
}

/** Splits `count` into `parts` near-equal shares. */
export function shares(count: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0));
}
