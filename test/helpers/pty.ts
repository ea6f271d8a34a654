// Linked pseudo-terminal pairs for tests (tools/serial/pty-pair.ts runs socat): the hub opens one
// end as an ordinary serial port, the test (or the AVR simulator bridge) the other, both links in
// a temp dir. Given the test context, the pair is closed (and its temp dir removed) after the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { PtyPair as SocatPair } from '../../tools/serial/pty-pair.js';
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
  const socat = new SocatPair(join(dir, hubName), join(dir, deviceName));
  const pair: PtyPair = {
    hubPath: socat.hubPath,
    devicePath: socat.devicePath,
    dir,
    start: () => socat.start(),
    stop: () => socat.stop(),
    async close() {
      await socat.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  if (t) teardown(t, () => pair.close());
  await pair.start();
  return pair;
}
