// Runs the hub as its own process (`node --import tsx src/cli.ts start`), for tests and
// benchmarks that kill it, restart it, or keep it away from the load generator's event loop.
// Given the test context, the process is stopped after the test if it still runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { isTestContext, teardown } from './teardown.js';

export interface HubProcess {
  child: ChildProcess;
  /** Base URL of the HTTP API. */
  url: string;
  mqttUrl: string;
  /** JSON log lines the hub has printed so far. */
  lines: string[];
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A TCP port that was free a moment ago, for settings that need a fixed port across restarts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export interface HubProcessOptions {
  dataDir: string;
  args?: string[];
  mqttPort?: number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /**
   * Runs the compiled hub (dist/, what `npm start` runs) instead of the sources under tsx: the
   * benchmarks measure what users run, without tsx's loader thread and its per-closure naming.
   * Needs a fresh `npm run build` (bench/run.ts builds first).
   */
  built?: boolean;
}

/**
 * Starts the hub with `args` (after `start`) on loopback with auth off unless the args say
 * otherwise; resolves once it logged "telemetry-hub started". `mqttPort` 0 picks a free one.
 */
export async function startHubProcess(t: TestContext, options: HubProcessOptions): Promise<HubProcess>;
export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess>;
export async function startHubProcess(...args: [TestContext, HubProcessOptions] | [HubProcessOptions]): Promise<HubProcess> {
  const [t, options] = isTestContext(args[0]) ? (args as [TestContext, HubProcessOptions]) : [null, args[0] as HubProcessOptions];
  const mqttPort = options.mqttPort || (await freePort());
  const child = spawn(
    process.execPath,
    [
      // e.g. HUB_PROCESS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the hub under a bench
      ...(process.env.HUB_PROCESS_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...(options.built ? ['bin/telemetry-hub.js'] : ['--import', 'tsx', 'src/cli.ts']),
      'start',
      '--data-dir',
      options.dataDir,
      '--http-host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--mqtt-host',
      '127.0.0.1',
      '--mqtt-port',
      String(mqttPort),
      '--auth',
      'off',
      '--log-level',
      'info',
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  if (t) teardown(t, () => stop());
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`hub did not start within ${options.timeoutMs ?? 30_000} ms: ${stderr.slice(-500)}`)),
      options.timeoutMs ?? 30_000,
    );
    const check = setInterval(() => {
      const started = lines.map(parseLine).find((l) => l?.msg === 'telemetry-hub started');
      if (started || child.exitCode !== null) {
        clearInterval(check);
        clearTimeout(deadline);
        if (started) resolve(started.http as string);
        else reject(new Error(`hub exited with ${child.exitCode} before it started: ${stderr.slice(-500)}`));
      }
    }, 25);
  });
  return { child, url, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, lines, stderr: () => stderr, exited, stop };
}

function parseLine(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null; // the admin token banner and other plain lines
  }
}
