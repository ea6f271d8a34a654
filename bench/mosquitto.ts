// Debian's mosquitto as the reference broker of the MQTT benchmarks: no persistence, no auth, on a
// free loopback port, in its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/hub-process.js';

export interface Mosquitto {
  url: string;
  /** The broker's process id, for reading its memory from /proc. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * `raiseFileLimit` starts the broker through `ulimit -n <hard limit>` (mosquitto keeps the soft
 * limit it is given, often 1024), for benchmarks with tens of thousands of connections.
 */
export async function startMosquitto(options: { raiseFileLimit?: boolean } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type information\n`);
  const broker = options.raiseFileLimit
    ? spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec mosquitto -c "$0"', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await waitForOutput(broker, /running|Opening ipv4 listen socket/);
  } catch (err) {
    await stopChild(broker);
    throw err;
  }
  broker.stderr!.resume();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: broker.pid!,
    async stop() {
      await stopChild(broker);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; saw: ${seen.slice(-500)}`)), timeoutMs);
    child.stderr!.on('data', (d) => {
      seen += d;
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
