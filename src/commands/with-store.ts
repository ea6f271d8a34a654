// Shared by the commands that work on the hub's store without running the hub (device add,
// token add): the store is found through the same settings as the hub's (--data-dir,
// MONGODB_URI), opened for the one job and closed again.
import { type Config, ConfigError, loadConfig } from '../config/settings.js';
import { createStore } from '../storage/create-store.js';
import type { Store } from '../core/store.js';

/** Runs `job` on the configured store; returns the exit code (2 for a configuration error). */
export async function withConfiguredStore(args: string[], job: (store: Store) => Promise<number>): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(process.env, args);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`configuration error: ${err.message}\n`);
    return 2;
  }
  const store = createStore(config);
  await store.start();
  try {
    return await job(store);
  } finally {
    await store.stop();
  }
}
