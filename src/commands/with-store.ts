// Shared by the commands that work on the hub's store without running the hub (device, token):
// the store is found through the same settings as the hub's (--data-dir, MONGODB_URI), opened
// for the one job and closed again. Which store it is goes to stderr first: a command run from
// another directory would otherwise quietly write to another ./data.
import path from 'node:path';
import { type Config, ConfigError, loadConfig } from '../config/settings.js';
import { createStore } from '../storage/create-store.js';
import type { Store } from '../core/store.js';

/** Runs `job` on the configured store; returns the exit code (2 for a configuration error). */
export async function withConfiguredStore(
  args: string[],
  job: (store: Store) => Promise<number>,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(process.env, args);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err.write(`configuration error: ${error.message}\n`);
    return 2;
  }
  err.write(`store: ${describeStore(config)}\n`);
  // One job and done: a store thread would only add its start-up.
  const store = createStore({ ...config, storeThread: 'main' });
  await store.start();
  try {
    return await job(store);
  } finally {
    await store.stop();
  }
}

/** The store the settings name: the absolute data directory, or the MongoDB URI without its password. */
export function describeStore(config: Pick<Config, 'dataDir' | 'mongodbUri'>): string {
  if (config.mongodbUri !== '') return `MongoDB ${maskPassword(config.mongodbUri)}`;
  return `SQLite in ${path.resolve(config.dataDir)}`;
}

/** `mongodb://user:secret@host` → `mongodb://user:***@host`; a URI with several hosts is not a WHATWG URL, so by pattern. */
export function maskPassword(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
