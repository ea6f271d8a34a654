// Chooses the store adapter: MongoDB when MONGODB_URI is set, the embedded SQLite store otherwise,
// on its own thread or on the event loop as HUB_STORE_THREAD says.
import type { Config } from '../config/settings.js';
import type { HubLogger } from '../core/logger.js';
import type { Store } from '../core/store.js';
import { MongoStore } from './mongo/mongo-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { WorkerStore } from './worker/worker-store.js';

export function createStore(
  config: Pick<Config, 'dataDir' | 'mongodbUri' | 'mongodbStartTimeoutMs' | 'storeThread'>,
  log?: HubLogger,
): Store {
  if (config.mongodbUri !== '') {
    return MongoStore.fromUri(config.mongodbUri, { startTimeoutMs: config.mongodbStartTimeoutMs, log });
  }
  return config.storeThread === 'worker' ? new WorkerStore(config.dataDir, log) : new SqliteStore(config.dataDir);
}
