import { DavError } from './errors.js';
import { DAV } from './multistatus.js';

/**
 * RFC 6578 §4: a sync token is a URI. Ours carries the change log's sequence number
 * (address-book-log.ts in src/directory); the client treats it as opaque.
 */
const PREFIX = 'urn:x-cantho-mail:sync:';

export function syncTokenUri(sequence: number): string {
  return `${PREFIX}${sequence}`;
}

/** RFC 6578 §3.2: a token we could not have written is refused with the valid-sync-token precondition. */
export function sequenceOf(token: string): number {
  const digits = token.startsWith(PREFIX) ? token.slice(PREFIX.length) : '';
  if (!/^[0-9]{1,15}$/.test(digits)) throw new DavError(403, 'not a sync token of this server', { ns: DAV, name: 'valid-sync-token' });
  return Number(digits);
}
