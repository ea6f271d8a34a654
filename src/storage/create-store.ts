// Chooses the store adapter: MongoDB when MONGODB_URI is set, the embedded SQLite store otherwise.
import type { Config } from '../config/settings.js';
import { ConfigError } from '../config/settings.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export function createStore(config: Pick<Config, 'dataDir' | 'mongodbUri'>): Store {
  if (config.mongodbUri !== '') {
    throw new ConfigError('MONGODB_URI', 'the MongoDB adapter is not part of this build yet; unset MONGODB_URI to use the embedded store');
  }
  return new SqliteStore(config.dataDir);
}
