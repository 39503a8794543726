import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, openSieveStore } from '../../src/store/index.js';
import { changeEvents, describeBlobStoreContract, describeMailStoreContract, describeSieveStoreContract } from './contract/index.js';
import { openTestStore } from './helpers.js';

describeMailStoreContract('SQLite', async () => openTestStore());

describeBlobStoreContract('SQLite', async () => {
  const opened = openTestStore();
  return { blobs: opened.store.blobs, cleanup: () => opened.cleanup() };
});

// `other`: a second connection to the file, as the CLI opens it.
describeSieveStoreContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-sieve-'));
  const file = path.join(dir, 'mail.db');
  const db = openDatabase(file);
  const otherDb = openDatabase(file);
  const changes = changeEvents();
  return {
    sieve: openSieveStore(db, changes),
    changes,
    other: openSieveStore(otherDb),
    async cleanup() {
      otherDb.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
