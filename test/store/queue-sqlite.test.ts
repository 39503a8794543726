import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, SqliteOutboundQueue } from '../../src/store/index.js';
import { describeOutboundQueueContract } from './queue-contract.js';

describeOutboundQueueContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-queue-'));
  const db = openDatabase(path.join(dir, 'mail.db'));
  return {
    queue: new SqliteOutboundQueue(db),
    async close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
