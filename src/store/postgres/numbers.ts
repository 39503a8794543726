import pg from 'pg';
import { asUnavailable, noteOutcome, refuseDuringBackoff, type PgClient, type PgPool } from './database.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * node-postgres returns BIGINT (and sum()'s NUMERIC) as strings, since they can exceed 2^53. The
 * store's BIGINTs are UIDs, MODSEQs, sizes and milliseconds, all far below it, so its queries read
 * them as numbers; the pool's global parsers stay as they are for other components.
 */
const STORE_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** One query of the store, its BIGINT columns read as numbers; a lost server is StoreError 'unavailable'. */
export async function storeQuery<R extends object>(on: PgClient | PgPool, text: string, values: readonly unknown[] = []): Promise<R[]> {
  // On the pool (not a transaction's client) the query takes part in the reconnect backoff.
  const pool = on instanceof pg.Pool ? on : null;
  if (pool) refuseDuringBackoff(pool);
  try {
    const result = await on.query<R>({ text, values: values as unknown[], types: STORE_TYPES as pg.CustomTypesConfig });
    if (pool) noteOutcome(pool, null);
    return result.rows;
  } catch (error) {
    const failure = asUnavailable(error);
    throw pool ? noteOutcome(pool, failure) : failure;
  }
}
