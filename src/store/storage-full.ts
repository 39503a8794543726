import { StoreError } from './types.js';

/**
 * "The disk is full" in every shape it reaches us: SQLite's SQLITE_FULL (a page could not be
 * written), SQLITE_IOERR and its extended codes (the write or fsync of the WAL failed, as on a
 * full file system), ENOSPC/EDQUOT from the file system itself (a temporary file outside the
 * store), and the store's own StoreError 'full' — so each protocol edge needs this one test.
 * Answered as a transient condition: RFC 3463 §3.4 4.3.1 on SMTP, RFC 5530 §3 LIMIT on IMAP.
 *
 * SQLite rolls back the failed transaction (the WAL frames it appended are never committed), and
 * the same connection writes again once space returns: nothing to reopen or restart.
 */
export function isStorageExhausted(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'full';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_') || code === 'ENOSPC' || code === 'EDQUOT';
}

/** `err` as StoreError 'full' when the storage refused the write; otherwise unchanged. */
export function asStorageError(err: unknown): unknown {
  if (err instanceof StoreError || !isStorageExhausted(err)) return err;
  return new StoreError('full', `insufficient storage: ${(err as Error).message}`);
}
