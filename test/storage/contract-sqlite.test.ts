// The store contract against the embedded SQLite store (the reference), on a real database file.
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/teardown.js';
import { storeContract } from './store-contract.js';

storeContract('SQLite', async (t) => {
  const dir = tempDir(t, 'store-contract-');
  return {
    async open() {
      const store = new SqliteStore(dir);
      await store.start();
      return store;
    },
  };
});
