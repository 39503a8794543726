import { randomBytes } from 'node:crypto';
import { BerReader, TAG, integer, octetString, sequence } from './ber.js';
import type { Control } from './messages.js';
import type { LdapEntry } from './tree.js';

/**
 * Simple Paged Results (RFC 2696). The matches are taken once, at the first page, and handed out
 * page by page from that snapshot, so a page boundary never skips or repeats an entry while the
 * directory changes. A connection holds a few paged searches at once; the oldest is forgotten
 * past that (its cookie then answers unwillingToPerform, as an unknown cookie does).
 */

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
const MAX_PAGED_SEARCHES = 4;

export interface PagedRequest {
  readonly size: number;
  readonly cookie: Buffer;
}

/** RFC 2696 §2: realSearchControlValue ::= SEQUENCE { size INTEGER, cookie OCTET STRING }. */
export function decodePagedControl(value: Buffer | null): PagedRequest {
  const outer = new BerReader(value ?? Buffer.alloc(0));
  const control = outer.enter(TAG.sequence);
  outer.end();
  const size = control.readInteger();
  const cookie = control.read(TAG.octetString).value;
  control.end();
  return { size: Math.max(0, size), cookie };
}

/** The response control of a page; an empty cookie ends the search (RFC 2696 §3). */
export function pagedResponseControl(total: number, cookie: Buffer): Control {
  return { oid: PAGED_RESULTS_OID, critical: false, value: sequence([integer(total), octetString(cookie)]) };
}

export interface PagedSearch {
  /** The search it belongs to: a cookie used with another search is refused (RFC 2696 §3). */
  readonly requestKey: string;
  readonly matches: readonly LdapEntry[];
  /** Whether `matches` stops at a size limit: the last page then ends in sizeLimitExceeded. */
  readonly truncated: boolean;
  position: number;
}

export class PagedSearches {
  private readonly searches = new Map<string, PagedSearch>();

  start(search: PagedSearch): string {
    if (this.searches.size >= MAX_PAGED_SEARCHES) this.searches.delete(this.searches.keys().next().value!);
    const cookie = randomBytes(12).toString('hex');
    this.searches.set(cookie, search);
    return cookie;
  }

  find(cookie: Buffer): PagedSearch | null {
    return this.searches.get(cookie.toString('utf8')) ?? null;
  }

  end(cookie: Buffer): void {
    this.searches.delete(cookie.toString('utf8'));
  }
}
