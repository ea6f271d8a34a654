// Linked pseudo-terminal pairs from socat: the hub opens one end as an ordinary serial port, the
// test (or the AVR simulator bridge) the other. Nothing about the serial layer is faked: bytes
// travel through the kernel's tty layer exactly as from a USB adapter.
// Replug = stop() (socat exits and both links vanish) then start() again with the same paths.
// Given the test context, the pair is closed (and its temp dir removed) after the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { isTestContext, teardown } from './teardown.js';

export interface PtyPair {
  /** The end the hub opens (a symlink to /dev/pts/N). */
  readonly hubPath: string;
  /** The end the test writes to and reads from. */
  readonly devicePath: string;
  readonly dir: string;
  /** (Re)creates the pair at the same link paths and waits until both links exist. */
  start(): Promise<void>;
  /** Kills socat and waits until it has exited and the links are gone (a USB unplug). */
  stop(): Promise<void>;
  /** stop() and remove the temp dir. */
  close(): Promise<void>;
}

const children = new Set<ChildProcess>();
// A failing test must not leave socat running behind it.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

interface PtyOptions {
  dir?: string;
  names?: [string, string];
}

export async function createPtyPair(t: TestContext, options?: PtyOptions): Promise<PtyPair>;
export async function createPtyPair(options?: PtyOptions): Promise<PtyPair>;
export async function createPtyPair(...args: [TestContext, PtyOptions?] | [PtyOptions?]): Promise<PtyPair> {
  const [t, options = {}] = isTestContext(args[0]) ? (args as [TestContext, PtyOptions?]) : [null, ...(args as [PtyOptions?])];
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'pty-'));
  const [hubName, deviceName] = options.names ?? ['hub', 'device'];
  const hubPath = join(dir, hubName);
  const devicePath = join(dir, deviceName);
  let child: ChildProcess | null = null;

  const pair: PtyPair = {
    hubPath,
    devicePath,
    dir,
    async start() {
      if (child) throw new Error('pty pair already started');
      const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hubPath}`, `pty,raw,echo=0,link=${devicePath}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = proc;
      children.add(proc);
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      proc.once('exit', () => children.delete(proc));
      const deadline = Date.now() + 5_000;
      // socat logs "starting data transfer loop" once both ptys exist and the links are made.
      while (!(existsSync(hubPath) && existsSync(devicePath) && stderr.includes('starting data transfer loop'))) {
        if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}: ${stderr}`);
        if (Date.now() > deadline) {
          proc.kill('SIGKILL');
          throw new Error(`socat did not create ${hubPath} and ${devicePath} within 5 s: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
      // socat removes its links on a clean exit; make sure even after SIGKILL.
      rmSync(hubPath, { force: true });
      rmSync(devicePath, { force: true });
    },
    async close() {
      await pair.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  if (t) teardown(t, () => pair.close());
  await pair.start();
  return pair;
}
