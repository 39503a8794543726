import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { matches } from './match.js';
import { RESULT, searchResultDone, searchResultEntry, type Control, type EntryAttribute, type Result, type SearchRequest } from './messages.js';
import { decodePagedControl, PAGED_RESULTS_OID, pagedResponseControl, type PagedSearch, type PagedSearches } from './paging.js';
import { canonicalAttribute, type DirectoryTree, type LdapEntry } from './tree.js';

/**
 * Search (RFC 4511 §4.5): scope, filter, attribute selection (§4.5.1.8), size and time limits
 * (§4.5.1.4, §4.5.1.5: the client's, capped by `[ldap] size_limit` and `time_limit`), paged
 * results (RFC 2696). The tree is walked in slices, yielding to the event loop between them, and
 * entries are written with the socket's backpressure; both stop when the time limit passes or
 * the search is abandoned (§4.11).
 */

/** Entries tested between two turns of the event loop. */
const SLICE = 500;
/** Encoded entries gathered before one socket write. */
const WRITE_BATCH_BYTES = 64 * 1024;

export interface SearchHost {
  readonly tree: DirectoryTree;
  readonly rootDse: readonly EntryAttribute[];
  /** `[ldap] size_limit`: most entries per search (per page when paged by a bound client). */
  readonly sizeLimit: number;
  /** `[ldap] time_limit` in ms. */
  readonly timeLimitMs: number;
  /** Anonymous clients cannot page past the size limit: harvesting the whole directory takes a bind. */
  readonly anonymous: boolean;
  readonly paged: PagedSearches;
  /** Writes with backpressure; resolves when the socket can take more. */
  send(bytes: Buffer): Promise<void>;
  abandoned(): boolean;
}

/** Runs one search; resolves with the SearchResultDone to send (the entries are already written). */
export async function runSearch(messageId: number, request: SearchRequest, controls: readonly Control[], host: SearchHost): Promise<Buffer> {
  let paging: { size: number; cookie: Buffer } | null = null;
  for (const control of controls) {
    if (control.oid === PAGED_RESULTS_OID) paging = decodePagedControl(control.value);
    // §4.1.11: a critical control we do not implement fails the operation.
    else if (control.critical) return searchResultDone(messageId, { code: RESULT.unavailableCriticalExtension, message: `control ${control.oid} is not supported` });
  }
  const deadline = Date.now() + Math.min(host.timeLimitMs, request.timeLimit > 0 ? request.timeLimit * 1000 : Infinity);

  if (request.baseObject.trim() === '' && request.scope === 'base') {
    // The root DSE's attributes are operational (RFC 4512 §5.1): `+` selects them too.
    const attributes = selectAttributes(host.rootDse, request, true);
    await host.send(searchResultEntry(messageId, '', attributes));
    return searchResultDone(messageId, { code: RESULT.success });
  }
  const candidates = candidatesOf(request, host.tree);
  if (candidates === 'invalid-dn') return searchResultDone(messageId, { code: RESULT.invalidDNSyntax, message: 'the base is not a DN' });
  if (candidates === null) {
    const matchedDn = host.tree.isUnderBase(request.baseObject) ? host.tree.base.dn : '';
    return searchResultDone(messageId, { code: RESULT.noSuchObject, matchedDn, message: 'no such entry' });
  }
  const clientLimit = request.sizeLimit > 0 ? request.sizeLimit : Infinity;

  if (paging === null) {
    const limit = Math.min(clientLimit, host.sizeLimit);
    const found = await collect(candidates, request, host, deadline, limit + 1);
    if (found === 'abandoned') return Buffer.alloc(0);
    const page = found.matches.slice(0, limit);
    if (!(await sendEntries(messageId, page, request, host, deadline))) return host.abandoned() ? Buffer.alloc(0) : timeLimitDone(messageId);
    if (found.timedOut) return timeLimitDone(messageId);
    if (found.matches.length > limit) return searchResultDone(messageId, { code: RESULT.sizeLimitExceeded, message: `more than ${limit} entries; refine the filter or page the results` });
    return searchResultDone(messageId, { code: RESULT.success });
  }

  const requestKey = JSON.stringify(request);
  let search: PagedSearch;
  let cookie: Buffer;
  if (paging.cookie.length === 0) {
    const limit = host.anonymous ? Math.min(clientLimit, host.sizeLimit) : clientLimit;
    const found = await collect(candidates, request, host, deadline, limit + 1);
    if (found === 'abandoned') return Buffer.alloc(0);
    if (found.timedOut) return timeLimitDone(messageId);
    search = { requestKey, matches: found.matches.slice(0, limit), truncated: found.matches.length > limit, position: 0 };
    cookie = Buffer.from(host.paged.start(search), 'utf8');
  } else {
    const existing = host.paged.find(paging.cookie);
    if (existing === null || existing.requestKey !== requestKey) {
      return searchResultDone(messageId, { code: RESULT.unwillingToPerform, message: 'unknown paged results cookie' });
    }
    search = existing;
    cookie = paging.cookie;
  }
  // RFC 2696 §3: a page size of 0 abandons the paged search.
  const pageSize = Math.min(paging.size === 0 ? 0 : paging.size, host.sizeLimit);
  const page = search.matches.slice(search.position, search.position + pageSize);
  search.position += page.length;
  const finished = paging.size === 0 || search.position >= search.matches.length;
  if (finished) host.paged.end(cookie);
  if (!(await sendEntries(messageId, page, request, host, deadline))) return host.abandoned() ? Buffer.alloc(0) : timeLimitDone(messageId);
  const result: Result =
    finished && search.truncated && paging.size !== 0 ? { code: RESULT.sizeLimitExceeded, message: 'size limit reached; bind to page through the whole directory' } : { code: RESULT.success };
  return searchResultDone(messageId, result, [pagedResponseControl(search.matches.length, finished ? Buffer.alloc(0) : cookie)]);
}

function timeLimitDone(messageId: number): Buffer {
  return searchResultDone(messageId, { code: RESULT.timeLimitExceeded, message: 'time limit exceeded' });
}

function candidatesOf(request: SearchRequest, tree: DirectoryTree): Iterable<LdapEntry> | 'invalid-dn' | null {
  // The empty base with scope one or sub: the whole tree, as if the root DSE were its parent.
  if (request.baseObject.trim() === '') return request.scope === 'one' ? [tree.base] : tree.subtree(tree.base);
  const base = tree.find(request.baseObject);
  if (base === null) {
    return tree.keyOrNull(request.baseObject) === null ? 'invalid-dn' : null;
  }
  if (request.scope === 'base') return [base];
  if (request.scope === 'one') return tree.childrenOf(base);
  return tree.subtree(base);
}

async function collect(
  candidates: Iterable<LdapEntry>,
  request: SearchRequest,
  host: SearchHost,
  deadline: number,
  enough: number,
): Promise<{ matches: LdapEntry[]; timedOut: boolean } | 'abandoned'> {
  const found: LdapEntry[] = [];
  let tested = 0;
  for (const entry of candidates) {
    if (matches(request.filter, entry) === true) {
      found.push(entry);
      if (found.length >= enough) break;
    }
    if (++tested % SLICE === 0) {
      await yieldToEventLoop();
      if (host.abandoned()) return 'abandoned';
      if (Date.now() > deadline) return { matches: found, timedOut: true };
    }
  }
  return { matches: found, timedOut: false };
}

/** False when the time limit passed or the search was abandoned before every entry was written. */
async function sendEntries(messageId: number, entries: readonly LdapEntry[], request: SearchRequest, host: SearchHost, deadline: number): Promise<boolean> {
  let batch: Buffer[] = [];
  let batchBytes = 0;
  for (const entry of entries) {
    const encoded = searchResultEntry(messageId, entry.dn, selectAttributes(entry.attributes, request, false));
    batch.push(encoded);
    batchBytes += encoded.length;
    if (batchBytes >= WRITE_BATCH_BYTES) {
      await host.send(Buffer.concat(batch));
      batch = [];
      batchBytes = 0;
      if (host.abandoned() || Date.now() > deadline) return false;
    }
  }
  if (batch.length > 0) await host.send(Buffer.concat(batch));
  return true;
}

/**
 * §4.5.1.8: no list or `*` means every user attribute, `1.1` none, `+` the operational ones (RFC
 * 3673; only the root DSE holds any here).
 */
function selectAttributes(attributes: readonly EntryAttribute[], request: SearchRequest, operational: boolean): EntryAttribute[] {
  const asked = request.attributes.map((a) => a.trim()).filter((a) => a !== '');
  const all = asked.length === 0 || asked.includes('*') || (operational && asked.includes('+'));
  const wanted = new Set(asked.map((a) => canonicalAttribute(a).toLowerCase()));
  const selected = attributes.filter((a) => all || wanted.has(a.name.toLowerCase()));
  return request.typesOnly ? selected.map((a) => ({ name: a.name, values: [] })) : selected;
}
