import type { AddressBook, BooksSnapshot } from './address-books.js';
import { DavError } from './errors.js';
import { DAV, multistatus, propResponse } from './multistatus.js';
import { readPropRequest } from './prop-request.js';
import { selectProperties, type Located, type Viewer } from './properties.js';
import { bookPath, cardPath, HOME_PATH, principalPath } from './resources.js';
import type { XmlElement } from './xml-reader.js';

/**
 * RFC 4918 §9.1 PROPFIND at Depth 0 or 1. Depth infinity (also a missing Depth header, which
 * means infinity) is refused with 403 propfind-finite-depth: a walk of every book of the city in
 * one answer is what §9.1 lets a server decline.
 */
export function propfind(target: Located, depthHeader: string | undefined, body: XmlElement | null, books: BooksSnapshot, viewer: Viewer): string {
  const depth = (depthHeader ?? 'infinity').trim().toLowerCase();
  if (depth !== '0' && depth !== '1') throw new DavError(403, `Depth ${depth} is not served; use 0 or 1`, { ns: DAV, name: 'propfind-finite-depth' });
  if (body !== null && !(body.ns === DAV && body.name === 'propfind')) throw new DavError(400, 'the body is not a DAV:propfind');
  const request = body === null ? ({ kind: 'allprop' } as const) : readPropRequest(body);
  const targets = depth === '0' ? [target] : [target, ...members(target, books, viewer)];
  return multistatus(
    targets.map((t) => {
      const { found, missing } = selectProperties(t, viewer, request);
      return propResponse(t.href, found, missing);
    }),
  );
}

/** The members of a collection (Depth 1). */
function members(target: Located, books: BooksSnapshot, viewer: Viewer): Located[] {
  switch (target.resource.kind) {
    case 'root':
      return [
        { href: principalPath(viewer.user), resource: { kind: 'principal', user: viewer.user } },
        { href: HOME_PATH, resource: { kind: 'home' } },
      ];
    case 'home':
      return [...books.books.values()].map((book): Located => ({ href: bookPath(book.id), resource: { kind: 'book', book: book.id }, book }));
    case 'book':
      return target.book === undefined ? [] : cardsOf(target.book);
    case 'principal':
    case 'card':
      return [];
  }
}

function cardsOf(book: AddressBook): Located[] {
  return [...book.cards.values()].map((card) => ({ href: cardPath(book.id, card.name), resource: { kind: 'card', book: book.id, card: card.name }, book, card }));
}

