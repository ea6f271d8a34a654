// Starts a real hub for a test: ephemeral ports, a fresh data directory, logs silenced unless
// HUB_TEST_LOG names a level. Given the test context, the hub is stopped and its directory removed
// after the test; without it (a suite's before hook), always stop it (the returned stop() also
// removes the directory).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig, type Config } from '../../src/config/settings.js';
import { Hub } from '../../src/hub.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Store } from '../../src/core/store.js';
import { isTestContext, teardown, tempDir } from './teardown.js';

export interface TestHub {
  hub: Hub;
  url: string;
  config: Config;
  dataDir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

interface HubOptions {
  store?: Store;
  /** Where the start banner goes (stdout by default). */
  print?: (text: string) => void;
}

/**
 * `options.store` hands the hub a store instead of the one its config chooses (store outage tests).
 * With the test context `t` first, the hub stops after the test and the data directory it made is
 * removed after that (a `dataDir` in the overrides stays the caller's); stop() in the test body,
 * for a restart, stays possible.
 */
export async function startHub(t: TestContext, overrides?: Partial<Config>, options?: HubOptions): Promise<TestHub>;
export async function startHub(overrides?: Partial<Config>, options?: HubOptions): Promise<TestHub>;
export async function startHub(...args: [TestContext, Partial<Config>?, HubOptions?] | [Partial<Config>?, HubOptions?]): Promise<TestHub> {
  const [t, overrides = {}, options = {}] = isTestContext(args[0])
    ? (args as [TestContext, Partial<Config>?, HubOptions?])
    : [null, ...(args as [Partial<Config>?, HubOptions?])];
  const dataDir = overrides.dataDir ?? (t ? tempDir(t, 'hub-test-') : mkdtempSync(join(tmpdir(), 'hub-test-')));
  const config: Config = {
    ...loadConfig({}, []),
    // In-process hubs keep the store on the event loop: under tsx a store thread boots in about
    // half a second (it compiles its sources again), which over the suite's hundreds of hubs cost
    // minutes. The thread is the hubs' default everywhere else: every hub process the tests spawn
    // runs it, and the store contract and the thread's fault tests run it directly. A test that
    // needs it here passes `storeThread: 'worker'`; HUB_STORE_THREAD=worker runs every in-process
    // hub on it.
    storeThread: process.env.HUB_STORE_THREAD === 'worker' ? 'worker' : 'main',
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttPort: 0,
    logLevel: (process.env.HUB_TEST_LOG as Config['logLevel']) ?? 'silent',
    // API auth is off unless a test passes `auth: 'on'` (those tests make tokens through hub.tokens).
    auth: 'off',
    ...overrides,
    dataDir,
  };
  // The start banner goes to the test's output only when asked for (HUB_TEST_LOG), like the log.
  const print = options.print ?? (process.env.HUB_TEST_LOG ? undefined : () => {});
  const hub = new Hub(config, createLogger(config.logLevel), { ...options, ...(print && { print }) });
  await hub.start();
  if (t) teardown(t, () => hub.stop());
  return {
    hub,
    url: hub.http.url,
    config,
    dataDir,
    async stop(options = {}) {
      await hub.stop();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a truthy value or the time runs out (then throws with `what`). */
type Truthy<T> = T extends false | 0 | '' | null | undefined ? never : T;

export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 25): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}
