import type { BooksSnapshot } from './address-books.js';
import { DAV, multistatus, statusResponse } from './multistatus.js';
import { cardResponse, readAddressData, readPropRequest } from './prop-request.js';
import type { Viewer } from './properties.js';
import { resourceOf } from './resources.js';
import { childrenNamed, type XmlElement } from './xml-reader.js';

/**
 * RFC 6352 §8.7 addressbook-multiget: the cards named by the hrefs, each found or 404, in the
 * order asked.
 */
export function addressbookMultiget(books: BooksSnapshot, body: XmlElement, viewer: Viewer): string {
  const request = readPropRequest(body);
  const wanted = readAddressData(body);
  const responses = childrenNamed(body, DAV, 'href').map((element) => {
    const href = element.text.trim();
    const resource = resourceOf(href);
    const book = resource?.kind === 'card' ? books.books.get(resource.book) : undefined;
    const card = resource?.kind === 'card' ? book?.cards.get(resource.card) : undefined;
    return book !== undefined && card !== undefined ? cardResponse(book, card, viewer, request, wanted) : statusResponse(href, 404);
  });
  return multistatus(responses);
}
