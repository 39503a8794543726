import type { Db } from '../database.js';
import type { PgClient } from './database.js';
import { storeQuery } from './numbers.js';

/** Rows read from SQLite per query: a page at a time, so memory stays flat on any installation. */
export const PAGE = 500;

/**
 * Copies a table a page at a time in key order (keyset paging: `WHERE (key) > (last key)`), one
 * multi-row INSERT per page. Resolves to the number of rows copied.
 */
export async function copyPaged<Row>(
  db: Db,
  client: PgClient,
  selectSql: string,
  keyOf: (row: Row) => unknown[],
  insertSql: string,
  columns: (rows: Row[]) => unknown[],
  firstKey: unknown[] = [0, 0],
): Promise<number> {
  const page = db.prepare(selectSql);
  let count = 0;
  for (let key = firstKey; ; ) {
    const rows = page.all(...key, PAGE) as Row[];
    if (rows.length === 0) return count;
    await storeQuery(client, insertSql, columns(rows));
    count += rows.length;
    key = keyOf(rows[rows.length - 1]!);
  }
}
