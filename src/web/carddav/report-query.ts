import type { AddressBook } from './address-books.js';
import { DavError } from './errors.js';
import { CARDDAV, multistatus, statusResponse } from './multistatus.js';
import { cardResponse, readAddressData, readPropRequest } from './prop-request.js';
import type { Viewer } from './properties.js';
import { cardMatches, readFilter } from './query-filter.js';
import { bookPath } from './resources.js';
import { child, type XmlElement } from './xml-reader.js';

/**
 * RFC 6352 §8.6 addressbook-query: the cards of one book that pass the filter (query-filter.ts),
 * at most `<C:limit><C:nresults>`; when the limit cuts the answer, the book's own href gets a
 * 507 response (§8.6.1).
 */
export function addressbookQuery(book: AddressBook, body: XmlElement, viewer: Viewer): string {
  const request = readPropRequest(body);
  const wanted = readAddressData(body);
  const filter = readFilter(child(body, CARDDAV, 'filter'));
  const limit = readLimit(body);
  const responses: string[] = [];
  for (const card of book.cards.values()) {
    if (!cardMatches(filter, card)) continue;
    if (responses.length === limit) {
      responses.push(statusResponse(bookPath(book.id), 507));
      break;
    }
    responses.push(cardResponse(book, card, viewer, request, wanted));
  }
  return multistatus(responses);
}

function readLimit(body: XmlElement): number | null {
  const limit = child(body, CARDDAV, 'limit');
  const nresults = limit === undefined ? undefined : child(limit, CARDDAV, 'nresults');
  if (nresults === undefined) return null;
  const text = nresults.text.trim();
  if (!/^[0-9]{1,9}$/.test(text)) throw new DavError(400, 'nresults is not a number');
  return Number(text);
}
