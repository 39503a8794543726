import { StoreError } from './types.js';

/**
 * "The store's database cannot be reached now", in every shape it takes: the store's own
 * StoreError 'unavailable', or the `pg` driver's error before it was wrapped — a SQLSTATE of class
 * 08 (connection exception), 57P01–57P03 (the server is shutting down, crashed, or not accepting
 * connections yet, as during a failover), 25006 (a read-only transaction: a standby not yet
 * promoted), 53300 (too many connections), a database refusing connections (ALTER DATABASE …
 * ALLOW_CONNECTIONS false: 55000 "not currently accepting connections"), a socket error (refused,
 * reset, timed out), or the driver's own texts for a lost or never-opened connection, which carry
 * no code. Transient by nature: SMTP answers 451 4.3.0 (RFC 3463 §3.4) and IMAP NO [UNAVAILABLE]
 * (RFC 5530 §3), and the pool opens new connections once the database is back
 * (docs/postgres.en.md "Failover").
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '25006', '53300']);
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const DRIVER_TEXTS = /^Connection terminated|timeout exceeded when trying to connect|not queryable/;

export function isStoreUnavailable(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'unavailable';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || SQLSTATES.has(code) || SOCKET_ERRORS.has(code)) return true;
    return code === '55000' && err.message.includes('not currently accepting connections');
  }
  return DRIVER_TEXTS.test(err.message);
}
