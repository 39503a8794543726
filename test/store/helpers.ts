import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import { message } from './contract/samples.js';

export { annv, bigMessage, daott, deliverSearchSamples, message } from './contract/samples.js';

export interface TestStore {
  readonly store: SqliteMailStore;
  readonly dir: string;
  readonly file: string;
  /** Closes the store and removes the temp directory. */
  cleanup(): Promise<void>;
}

/** A store on a real SQLite file in its own temp directory. */
export function openTestStore(): TestStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-store-'));
  const file = path.join(dir, 'mail.db');
  const store = new SqliteMailStore(openDatabase(file));
  return {
    store,
    dir,
    file,
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The n-th message of the crash test: unique content, so its SHA-256 names it. */
export function crashMessage(n: number): Buffer {
  return message({ id: `crash-${n}`, subject: `Crash ${n}`, body: `Delivery number ${n}.\r\n${'x'.repeat(2000)}` });
}

/** Bodies in the file without a row in the search index (src/store/fts.ts indexes after the commit), as another connection sees them. */
export function unindexedBodies(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM blobs WHERE id NOT IN (SELECT rowid FROM message_text)').pluck().get() as number;
  } finally {
    db.close();
  }
}
