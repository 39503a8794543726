import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromObject, type Config, type ConfigInput } from '../../src/config/index.js';
import { Directory } from '../../src/directory/directory.js';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { TEST_ARGON2 } from '../helpers/server.js';

export const ADMIN = { actor: 'cli:test', doc: '12/QĐ-VP' };

export interface TestDirectory {
  readonly directory: Directory;
  readonly store: SqliteMailStore;
  /** The configuration the directory was opened with. */
  readonly config: Config;
  /** Moves the directory's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** A directory over a real store in its own temp data directory, with a clock the test moves. */
export function openTestDirectory(config: ConfigInput = {}): TestDirectory {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const cfg = configFromObject({ ...config, server: { data_dir: dataDir, ...config.server } });
  const db = openDatabase(cfg.paths.database);
  const store = new SqliteMailStore(db);
  let now = Date.parse('2026-11-28T08:00:00Z');
  const directory = new Directory({ db, config: cfg, store, argon2: TEST_ARGON2, now: () => new Date(now) });
  return {
    directory,
    store,
    config: cfg,
    advance: (ms) => {
      now += ms;
    },
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
