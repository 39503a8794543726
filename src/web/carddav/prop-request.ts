import type { AddressBook, Card } from './address-books.js';
import { DavError } from './errors.js';
import { CARDDAV, DAV, escapeXml, propResponse, type PropertyName } from './multistatus.js';
import { selectProperties, type PropRequest, type Viewer } from './properties.js';
import { cardPath } from './resources.js';
import { child, type XmlElement } from './xml-reader.js';

/**
 * What a PROPFIND or REPORT body asks to see (RFC 4918 §14.20 propfind, RFC 6352 §10.4
 * address-data) and a card's `<D:response>` built from it.
 */

/** The allprop, propname or prop child of `container`; no child means allprop (RFC 4918 §9.1). */
export function readPropRequest(container: XmlElement): PropRequest {
  if (child(container, DAV, 'propname')) return { kind: 'propname' };
  const prop = child(container, DAV, 'prop');
  if (prop === undefined) return { kind: 'allprop' };
  return { kind: 'prop', names: prop.children.map((c): PropertyName => ({ ns: c.ns, name: c.name })) };
}

/** The card properties asked for in `<C:address-data>`: null for the whole card. */
export type AddressDataRequest = ReadonlySet<string> | null;

/**
 * RFC 6352 §10.4: address-data may name a media type and version, which must be one of
 * supported-address-data (§6.3.2.1 precondition), and the vCard properties wanted.
 */
export function readAddressData(container: XmlElement): AddressDataRequest {
  const prop = child(container, DAV, 'prop');
  const element = prop === undefined ? undefined : child(prop, CARDDAV, 'address-data');
  if (element === undefined) return null;
  const type = element.attributes.get('content-type') ?? 'text/vcard';
  const version = element.attributes.get('version') ?? '4.0';
  if (type.toLowerCase() !== 'text/vcard' || version !== '4.0') {
    throw new DavError(403, `cards are served as text/vcard 4.0 only, not ${type} ${version}`, { ns: CARDDAV, name: 'supported-address-data' });
  }
  if (child(element, CARDDAV, 'allprop') !== undefined) return null;
  const wanted = element.children.filter((c) => c.ns === CARDDAV && c.name === 'prop').map((c) => (c.attributes.get('name') ?? '').toUpperCase());
  return wanted.length === 0 ? null : new Set(wanted);
}

/** The card's text, or with §10.4.2 `<C:prop>`s only those properties (BEGIN, VERSION and END always). */
function addressData(card: Card, wanted: AddressDataRequest): string {
  if (wanted === null) return card.vcard;
  // A logical line ends at a CRLF not followed by the space of a continuation (RFC 6350 §3.2).
  const lines = card.vcard.split(/\r\n(?![ \t])/).filter((l) => l !== '');
  const keep = lines.filter((line) => {
    const name = /^[^;:]*/.exec(line)![0].toUpperCase();
    return name === 'BEGIN' || name === 'VERSION' || name === 'END' || wanted.has(name);
  });
  return `${keep.join('\r\n')}\r\n`;
}

/** One card's `<D:response>`, with `<C:address-data>` when asked for. */
export function cardResponse(book: AddressBook, card: Card, viewer: Viewer, request: PropRequest, wanted: AddressDataRequest): string {
  const href = cardPath(book.id, card.name);
  const { found, missing } = selectProperties({ href, resource: { kind: 'card', book: book.id, card: card.name }, book, card }, viewer, request, (p) =>
    p.ns === CARDDAV && p.name === 'address-data' ? `<C:address-data>${escapeXml(addressData(card, wanted))}</C:address-data>` : null,
  );
  return propResponse(href, found, missing);
}
