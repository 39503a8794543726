import type { CardChange } from '../../directory/index.js';
import type { AddressBook } from './address-books.js';
import { DavError } from './errors.js';
import { DAV, multistatus, statusResponse } from './multistatus.js';
import { cardResponse, readAddressData, readPropRequest } from './prop-request.js';
import type { Viewer } from './properties.js';
import { cardPath } from './resources.js';
import { sequenceOf, syncTokenUri } from './sync-token.js';
import { child, type XmlElement } from './xml-reader.js';

/**
 * RFC 6578 §3 sync-collection on an address book. An empty token is the initial sync: every card
 * (§3.4). A token we handed out: the cards changed since, and the removed ones as 404 responses
 * (§3.5.2), from the directory's change log. A token we never wrote, or from the future, is
 * refused with 403 valid-sync-token (§3.2). The books hold no sub-collections, so sync-level 1
 * and infinite answer alike (§3.3).
 */
export function syncCollection(book: AddressBook, body: XmlElement, viewer: Viewer, changesSince: (book: string, token: number) => CardChange[] | null): string {
  const level = child(body, DAV, 'sync-level')?.text.trim() ?? '1';
  if (level !== '1' && level !== 'infinite') throw new DavError(400, `sync-level ${level} is neither 1 nor infinite`);
  const token = child(body, DAV, 'sync-token')?.text.trim() ?? '';
  const request = readPropRequest(body);
  const wanted = readAddressData(body);
  const respond = (name: string): string => {
    const card = book.cards.get(name);
    return card === undefined ? statusResponse(cardPath(book.id, name), 404) : cardResponse(book, card, viewer, request, wanted);
  };
  if (token === '') return multistatus([...book.cards.keys()].map(respond), syncTokenUri(book.token));
  const changes = changesSince(book.id, sequenceOf(token));
  if (changes === null) throw new DavError(403, 'the sync token is not valid for this address book', { ns: DAV, name: 'valid-sync-token' });
  // A card's latest change decides (the log keeps one row per card, so names do not repeat).
  return multistatus(
    changes.map((c) => respond(c.card)),
    syncTokenUri(book.token),
  );
}
