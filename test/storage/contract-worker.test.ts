// The store contract against the SQLite store on its own thread (HUB_STORE_THREAD=worker): every
// call crosses to the thread and back, so this also checks what survives the crossing (the
// answers, and the query refusals as their own error classes).
import { WorkerStore } from '../../src/storage/worker/worker-store.js';
import { tempDir } from '../helpers/teardown.js';
import { storeContract } from './store-contract.js';

storeContract('SQLite on a worker thread', async (t) => {
  const dir = tempDir(t, 'store-contract-worker-');
  return {
    async open() {
      const store = new WorkerStore(dir);
      await store.start();
      return store;
    },
  };
});
