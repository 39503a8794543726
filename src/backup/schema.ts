import type { Config } from '../config/index.js';
import { Directory } from '../directory/index.js';
import { MboxImportLedger, openBayesStore, openDatabase, openSieveStore, schemaVersions, SqliteMailStore, SqliteOutboundQueue, type Db } from '../store/index.js';
import { BackupError } from './errors.js';

/**
 * Which schema a restored database must have for this version of cantho-mail: the components
 * and steps that opening every table owner applies (what `serve` and `import` do).
 */

/**
 * Applies every component's migrations to `db` and returns the resulting schema; closes `db`.
 * Used on a fresh in-memory database (what this version expects) and on a restored copy with
 * `--migrate`.
 */
export async function migrateAll(db: Db, config: Config): Promise<Record<string, number>> {
  // The store applies its unit diligence memory's migrations too (src/store/unit-diligence.ts).
  const store = new SqliteMailStore(db);
  try {
    new Directory({ db, config, store });
    new SqliteOutboundQueue(db);
    openBayesStore(db);
    openSieveStore(db);
    new MboxImportLedger(db, store);
    return schemaVersions(db);
  } finally {
    // close() finishes the store's group commit and closes the handle.
    await store.close();
  }
}

export function currentSchema(config: Config): Promise<Record<string, number>> {
  return migrateAll(openDatabase(':memory:'), config);
}

export type SchemaAgreement = 'same' | 'older';

/**
 * 'same', or 'older' when a component of the backup lacks steps this version has (restorable with --migrate);
 * a backup with a step this version does not know comes from a newer cantho-mail: refused.
 */
export function compareSchema(backup: Readonly<Record<string, number>>, current: Readonly<Record<string, number>>, dir: string): SchemaAgreement {
  for (const [component, version] of Object.entries(backup)) {
    const known = current[component];
    if (known === undefined || version > known) {
      throw new BackupError(`${dir}: schema ${component} step ${version} is newer than this cantho-mail knows (${known ?? 'none'}): restore with the version that made the backup`);
    }
  }
  // A component the backup lacks altogether (the queue of a server that never ran) is created at
  // first use like on a new install; only a component at an older step needs migrating.
  return Object.entries(backup).some(([component, version]) => version < current[component]!) ? 'older' : 'same';
}
