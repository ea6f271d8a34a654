// The store contract against the MongoDB adapter, with every filter, update document and
// pipeline it sends executed by mingo instead of a server (none can run on this machine; see
// mingo-db.ts for the little that is emulated besides).
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import { storeContract } from '../store-contract.js';
import { MingoDatabase } from './mingo-db.js';

storeContract('MongoDB adapter over mingo', async () => {
  const db = new MingoDatabase();
  return {
    async open() {
      const store = new MongoStore(async () => db.connection());
      await store.start();
      return store;
    },
  };
});
