/**
 * Writing WebDAV responses (RFC 4918 §13 multistatus, §14 elements) and error bodies with a
 * precondition (§16). Every document declares the three namespaces once on its root, so
 * properties are written with fixed prefixes: D (DAV:), C (CardDAV, RFC 6352 §10) and CS (the
 * CalendarServer extensions, for getctag).
 */

export const DAV = 'DAV:';
export const CARDDAV = 'urn:ietf:params:xml:ns:carddav';
export const CALENDARSERVER = 'http://calendarserver.org/ns/';

const PREFIXES: ReadonlyMap<string, string> = new Map([
  [DAV, 'D'],
  [CARDDAV, 'C'],
  [CALENDARSERVER, 'CS'],
]);
const DECLARATIONS = `xmlns:D="${DAV}" xmlns:C="${CARDDAV}" xmlns:CS="${CALENDARSERVER}"`;
const PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n';

export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A property name as asked for: its namespace and local name. */
export interface PropertyName {
  readonly ns: string;
  readonly name: string;
}

/** `<D:getetag>value</D:getetag>`; a property of a namespace we do not declare gets its own declaration. */
export function propertyElement(property: PropertyName, innerXml: string): string {
  const prefix = PREFIXES.get(property.ns);
  if (prefix === undefined) {
    return innerXml === '' ? `<X:${property.name} xmlns:X="${escapeXml(property.ns)}"/>` : `<X:${property.name} xmlns:X="${escapeXml(property.ns)}">${innerXml}</X:${property.name}>`;
  }
  return innerXml === '' ? `<${prefix}:${property.name}/>` : `<${prefix}:${property.name}>${innerXml}</${prefix}:${property.name}>`;
}

const REASONS: Readonly<Record<number, string>> = { 200: 'OK', 403: 'Forbidden', 404: 'Not Found', 507: 'Insufficient Storage' };

function status(code: number): string {
  return `<D:status>HTTP/1.1 ${code} ${REASONS[code] ?? ''}</D:status>`;
}

/** One `<D:response>`: found properties in a 200 propstat, missing ones in a 404 propstat (§9.1). */
export function propResponse(href: string, found: readonly string[], missing: readonly PropertyName[]): string {
  const parts = [`<D:response><D:href>${escapeXml(href)}</D:href>`];
  if (found.length > 0 || missing.length === 0) parts.push(`<D:propstat><D:prop>${found.join('')}</D:prop>${status(200)}</D:propstat>`);
  if (missing.length > 0) parts.push(`<D:propstat><D:prop>${missing.map((p) => propertyElement(p, '')).join('')}</D:prop>${status(404)}</D:propstat>`);
  parts.push('</D:response>');
  return parts.join('');
}

/** A `<D:response>` with a status only: a member that is gone (RFC 6578 §3.5.2), a multiget href not found (RFC 6352 §8.7). */
export function statusResponse(href: string, code: number): string {
  return `<D:response><D:href>${escapeXml(href)}</D:href>${status(code)}</D:response>`;
}

export function multistatus(responses: readonly string[], syncToken?: string): string {
  const token = syncToken === undefined ? '' : `<D:sync-token>${escapeXml(syncToken)}</D:sync-token>`;
  return `${PROLOG}<D:multistatus ${DECLARATIONS}>${responses.join('')}${token}</D:multistatus>\n`;
}

/** RFC 4918 §16: `<D:error>` naming the precondition that failed. */
export function errorBody(precondition: PropertyName): string {
  return `${PROLOG}<D:error ${DECLARATIONS}>${propertyElement(precondition, '')}</D:error>\n`;
}
