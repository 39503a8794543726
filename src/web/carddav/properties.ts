import { VCARD_CONTENT_TYPE } from '../../directory/index.js';
import type { AddressBook, Card } from './address-books.js';
import { CALENDARSERVER, CARDDAV, DAV, escapeXml, propertyElement, type PropertyName } from './multistatus.js';
import { HOME_PATH, principalPath, type Resource } from './resources.js';
import { syncTokenUri } from './sync-token.js';

/**
 * The live properties of each resource (RFC 4918 §15, RFC 6352 §6.2 and §7.1, RFC 6578 §4,
 * RFC 5397, RFC 3744 §5.4) and the answer to a `<D:prop>` list: the properties we hold in a 200
 * propstat, the others in a 404 one.
 */

/** Who is asking: the principal of the signed-in official. */
export interface Viewer {
  readonly user: string;
  readonly displayName: string;
}

/** A resource found: where it is, and its book or card. */
export interface Located {
  readonly href: string;
  readonly resource: Resource;
  readonly book?: AddressBook;
  readonly card?: Card;
}

/** What a PROPFIND or REPORT asks for (RFC 4918 §14.20). */
export type PropRequest = { readonly kind: 'allprop' } | { readonly kind: 'propname' } | { readonly kind: 'prop'; readonly names: readonly PropertyName[] };

interface LiveProperty {
  readonly property: PropertyName;
  readonly xml: string;
  /** RFC 6578 §4 and RFC 3744 §5.4: sync-token and privilege sets are not returned for allprop. */
  readonly allprop: boolean;
}

const href = (path: string): string => `<D:href>${escapeXml(path)}</D:href>`;
const live = (ns: string, name: string, xml: string, allprop = true): LiveProperty => ({ property: { ns, name }, xml, allprop });

/** RFC 3744 §3.1: read-only everywhere, so every client shows the books as such. */
const READ_ONLY = '<D:privilege><D:read/></D:privilege><D:privilege><D:read-current-user-privilege-set/></D:privilege>';
const BOOK_REPORTS = ['<C:addressbook-query/>', '<C:addressbook-multiget/>', '<D:sync-collection/>']
  .map((report) => `<D:supported-report><D:report>${report}</D:report></D:supported-report>`)
  .join('');

function liveProperties(target: Located, viewer: Viewer): LiveProperty[] {
  const common = [
    live(DAV, 'current-user-principal', href(principalPath(viewer.user))),
    live(DAV, 'current-user-privilege-set', READ_ONLY, false),
  ];
  const { resource, book, card } = target;
  switch (resource.kind) {
    case 'root':
      return [...common, live(DAV, 'resourcetype', '<D:collection/>'), live(DAV, 'displayname', 'CardDAV')];
    case 'principal':
      return [
        ...common,
        live(DAV, 'resourcetype', '<D:principal/>'),
        live(DAV, 'displayname', escapeXml(viewer.displayName)),
        live(DAV, 'principal-URL', href(principalPath(viewer.user))),
        // RFC 6352 §7.1.1: where this principal's address books are.
        live(CARDDAV, 'addressbook-home-set', href(HOME_PATH)),
      ];
    case 'home':
      return [...common, live(DAV, 'resourcetype', '<D:collection/>'), live(DAV, 'displayname', 'Sổ địa chỉ')];
    case 'book':
      if (book === undefined) return common;
      return [
        ...common,
        live(DAV, 'resourcetype', '<D:collection/><C:addressbook/>'),
        live(DAV, 'displayname', escapeXml(book.displayName)),
        live(CARDDAV, 'addressbook-description', escapeXml(book.description)),
        // RFC 6352 §6.2.2: the one media type and version our cards come in.
        live(CARDDAV, 'supported-address-data', '<C:address-data-type content-type="text/vcard" version="4.0"/>'),
        live(DAV, 'supported-report-set', BOOK_REPORTS, false),
        live(DAV, 'sync-token', escapeXml(syncTokenUri(book.token)), false),
        // CalendarServer's getctag: changes whenever the book does; clients without sync-collection poll it.
        live(CALENDARSERVER, 'getctag', escapeXml(syncTokenUri(book.token))),
      ];
    case 'card':
      if (card === undefined) return common;
      return [
        ...common,
        live(DAV, 'resourcetype', ''),
        live(DAV, 'getetag', escapeXml(card.etag)),
        live(DAV, 'getcontenttype', VCARD_CONTENT_TYPE),
        live(DAV, 'getcontentlength', String(Buffer.byteLength(card.vcard))),
      ];
  }
}

/**
 * The `<D:response>` parts for one resource. `special` answers properties that are not live
 * properties of the resource (a REPORT's `<C:address-data/>`): their XML, or null when missing.
 */
export function selectProperties(
  target: Located,
  viewer: Viewer,
  request: PropRequest,
  special: (property: PropertyName) => string | null = () => null,
): { found: string[]; missing: PropertyName[] } {
  const properties = liveProperties(target, viewer);
  if (request.kind === 'allprop') return { found: properties.filter((p) => p.allprop).map((p) => propertyElement(p.property, p.xml)), missing: [] };
  if (request.kind === 'propname') return { found: properties.map((p) => propertyElement(p.property, '')), missing: [] };
  const found: string[] = [];
  const missing: PropertyName[] = [];
  for (const name of request.names) {
    const known = properties.find((p) => p.property.ns === name.ns && p.property.name === name.name);
    const xml = known === undefined ? special(name) : propertyElement(known.property, known.xml);
    if (xml === null) missing.push(name);
    else found.push(xml);
  }
  return { found, missing };
}

