/**
 * Typed command failures, handled once at the protocol edge (session.ts): a command handler throws
 * an ImapError and the session answers `<tag> NO|BAD [CODE] text`. Response codes are RFC 5530's.
 */
import { isStorageExhausted } from '../store/index.js';
import { isStoreUnavailable, StoreError } from '../store/index.js';

export type ImapStatus = 'NO' | 'BAD';

/** RFC 3501 §7.1 and RFC 5530 response codes we answer with (plus RFC 7889 TOOBIG, RFC 7162 MODIFIED). */
export type ResponseCode =
  | 'ALREADYEXISTS'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'BADCHARSET'
  /** RFC 4469 §5: a CATENATE URL the server cannot or will not resolve, repeated in the code. */
  | `BADURL ${string}`
  /** RFC 3501 §7.1: BADCHARSET may list the charsets that are supported, so a client can retry with one. */
  | `BADCHARSET (${string})`
  /** RFC 5465 §3.1: NOTIFY with an event we do not send, listing those we do. */
  | `BADEVENT (${string})`
  | 'CANNOT'
  | 'CLIENTBUG'
  /** RFC 4978 §3: COMPRESS when compression is already active. */
  | 'COMPRESSIONACTIVE'
  | 'EXPIRED'
  | 'EXPUNGEISSUED'
  /** RFC 9051 §7.1: DELETE of a \Noselect name that still has inferiors. */
  | 'HASCHILDREN'
  | 'INUSE'
  | 'LIMIT'
  /** RFC 6154 §6: CREATE with a special-use attribute the server does not support. */
  | 'USEATTR'
  | 'NONEXISTENT'
  | 'NOPERM'
  | 'OVERQUOTA'
  | 'PRIVACYREQUIRED'
  | 'SERVERBUG'
  | 'TOOBIG'
  | 'TRYCREATE'
  | 'UNAVAILABLE'
  | 'UNKNOWN-CTE';

export class ImapError extends Error {
  constructor(
    readonly status: ImapStatus,
    readonly code: ResponseCode | null,
    message: string,
  ) {
    super(message);
    this.name = 'ImapError';
  }
}

/** The command line does not follow the grammar (RFC 3501 §9): always a tagged BAD. */
export class ParseError extends ImapError {
  constructor(message: string) {
    super('BAD', null, message);
    this.name = 'ParseError';
  }
}

/**
 * RFC 9051 Appendix E: what an IMAP4rev2 session may no longer send (CHECK, LSUB, the \Recent
 * search keys and STATUS item) is outside its grammar (RFC 9051 §9), so a syntax error: BAD.
 */
export function notInImap4rev2(what: string, instead: string): ParseError {
  return new ParseError(`${what} is not part of IMAP4rev2 (RFC 9051 Appendix E); use ${instead}`);
}

/** `NO [code] text`, the common case of a command that is well-formed but cannot be done. */
export function refuse(code: ResponseCode | null, message: string): ImapError {
  return new ImapError('NO', code, message);
}

const STORE_CODES: Record<StoreError['code'], ResponseCode> = {
  nonexistent: 'NONEXISTENT',
  'already-exists': 'ALREADYEXISTS',
  cannot: 'CANNOT',
  'over-quota': 'OVERQUOTA',
  'too-big': 'TOOBIG',
  'invalid-name': 'CANNOT',
  // RFC 5530 §3: LIMIT, "ran up against an implementation limit" — here the server's storage.
  // Not SERVERBUG (nothing is broken) nor OVERQUOTA (the user's own usage is not the cause).
  full: 'LIMIT',
  // RFC 5530 §3: UNAVAILABLE, "temporary failure because a subsystem is down" — the database
  // during a failover; the client retries the command later.
  unavailable: 'UNAVAILABLE',
};

/** What the user sees when the server's disk is full: transient, and nothing of the command was kept. */
const STORAGE_FULL_TEXT = 'Server storage is full; nothing was saved, try again later';

/**
 * The text of `NO [LIMIT]` for a literal that could not be written to the spool: the same as a
 * full store's when the disk is full (ENOSPC, EDQUOT), else that the message could not be received.
 */
export function spoolFailureText(err: unknown): string {
  return isStorageExhausted(err) ? STORAGE_FULL_TEXT : 'The server cannot take the message now: no room to receive it';
}

/** Maps the store's typed failures (and an unreachable store) to `NO [code]`; anything else is rethrown (the session answers SERVERBUG). */
export function fromStoreError(err: unknown): ImapError {
  if (err instanceof ImapError) return err;
  if (isStorageExhausted(err)) return new ImapError('NO', STORE_CODES.full, STORAGE_FULL_TEXT);
  if (err instanceof StoreError) return new ImapError('NO', STORE_CODES[err.code], err.message);
  // RFC 5530 §3: UNAVAILABLE, "a subsystem is down": the store's database, for now.
  if (isStoreUnavailable(err)) return new ImapError('NO', 'UNAVAILABLE', 'The mail store cannot be reached now; try again later');
  throw err;
}
