// Chooses the store adapter: MongoDB when MONGODB_URI is set, the embedded SQLite store otherwise.
import type { Config } from '../config/settings.js';
import type { HubLogger } from '../core/logger.js';
import type { Store } from '../core/store.js';
import { MongoStore } from './mongo/mongo-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export function createStore(config: Pick<Config, 'dataDir' | 'mongodbUri' | 'mongodbStartTimeoutMs'>, log?: HubLogger): Store {
  if (config.mongodbUri !== '') {
    return MongoStore.fromUri(config.mongodbUri, { startTimeoutMs: config.mongodbStartTimeoutMs, log });
  }
  return new SqliteStore(config.dataDir);
}
