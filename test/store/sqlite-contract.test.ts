import { describeBlobStoreContract, describeMailStoreContract } from './contract/index.js';
import { openTestStore } from './helpers.js';

describeMailStoreContract('SQLite', async () => openTestStore());

describeBlobStoreContract('SQLite', async () => {
  const opened = openTestStore();
  return { blobs: opened.store.blobs, cleanup: () => opened.cleanup() };
});
