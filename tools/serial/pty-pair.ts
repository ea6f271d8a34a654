// Linked pseudo-terminal pairs from socat: the hub opens one end as an ordinary serial port, a
// simulated device (or a test) the other. Nothing about the serial layer is faked: bytes travel
// through the kernel's tty layer exactly as from a USB adapter.
// Replug = stop() (socat exits and both links vanish) then start() again with the same paths.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

export interface PtyPairPaths {
  /** The end the hub opens (socat makes it a symlink to /dev/pts/N). */
  readonly hubPath: string;
  /** The end the device writes to and reads from. */
  readonly devicePath: string;
}

const children = new Set<ChildProcess>();
// A process that fails must not leave socat running behind it.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Whether socat is on the PATH. */
export function socatInstalled(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).error === undefined;
}

export class PtyPair implements PtyPairPaths {
  private child: ChildProcess | null = null;

  constructor(
    readonly hubPath: string,
    readonly devicePath: string,
  ) {}

  /** (Re)creates the pair at the link paths and waits until both links exist. */
  async start(): Promise<void> {
    if (this.child) throw new Error('pty pair already started');
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.hubPath}`, `pty,raw,echo=0,link=${this.devicePath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = proc;
    children.add(proc);
    let stderr = '';
    let spawnError: Error | null = null;
    proc.once('error', (err) => (spawnError = err));
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.once('exit', () => children.delete(proc));
    try {
      await untilLinked(
        proc,
        this,
        () => stderr,
        () => spawnError,
      );
    } catch (err) {
      // The links may not be this pair's (socat replaces what is at a link path): leave them.
      this.child = null;
      proc.kill('SIGKILL');
      throw err;
    }
  }

  /** Kills socat and waits until it has exited and the links are gone (a USB unplug). */
  async stop(): Promise<void> {
    const proc = this.child;
    this.child = null;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    }
    // socat removes its links on a clean exit; make sure even after SIGKILL or a signal it got
    // from the terminal before this process could stop it.
    rmSync(this.hubPath, { force: true });
    rmSync(this.devicePath, { force: true });
  }
}

/** Waits until socat has made both links and logged "starting data transfer loop" (5 s at most). */
async function untilLinked(proc: ChildProcess, paths: PtyPairPaths, stderr: () => string, spawnError: () => Error | null): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(existsSync(paths.hubPath) && existsSync(paths.devicePath) && stderr().includes('starting data transfer loop'))) {
    const error = spawnError();
    if (error) throw new Error(`socat did not start: ${error.message}`);
    if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}: ${stderr()}`);
    if (Date.now() > deadline) throw new Error(`socat did not create ${paths.hubPath} and ${paths.devicePath} within 5 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
