import { createHash } from 'node:crypto';
import type { BookCards, DirectoryEntry } from '../../directory/index.js';
import { localPartOf, toVCard, withoutSuspendedUnits } from '../../directory/index.js';
import { BuiltOnDemand, TimeSlices } from '../../limits/index.js';

/**
 * The address books CardDAV serves (docs/admin-guide.en.md "CardDAV address book"): the whole
 * directory ("Danh bạ thành phố") and one book per unit (the unit mailbox and its members).
 * Retired persons are not in the directory's list; a suspended unit, its book and its members
 * are left out, as in the LDAP tree.
 *
 * A snapshot is built on first use and dropped after any directory change (app.ts), like the
 * search index: building it hands every book's cards and ETags to the directory's change log,
 * which returns the sync tokens (RFC 6578 §4) that stay valid across restarts. A rebuild reuses
 * the cards of entries that did not change and runs in time slices (get()).
 */

export const CITY_BOOK = 'thanh-pho';
const UNIT_BOOK_PREFIX = 'don-vi-';

export interface Card {
  /** The resource name inside its book: `<tên_sd>.vcf`. */
  readonly name: string;
  readonly entry: DirectoryEntry;
  readonly vcard: string;
  /** RFC 9110 §8.8.3: a strong validator, quoted; the same in every book holding the card. */
  readonly etag: string;
}

export interface AddressBook {
  /** The book's path segment: `thanh-pho`, `don-vi-<unit tên_sd>` (a prefix no unit name can collide with `thanh-pho`). */
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
  readonly cards: ReadonlyMap<string, Card>;
  /** The change log's sequence number of the book's last change. */
  readonly token: number;
}

export interface BooksSnapshot {
  /** In display order: the city's book first, then units by tên_sd. */
  readonly books: ReadonlyMap<string, AddressBook>;
}

interface Source {
  entries(): readonly DirectoryEntry[];
  suspendedUnits(): ReadonlySet<string>;
  record(books: ReadonlyMap<string, BookCards>): Map<string, number>;
}

export class AddressBooks {
  private readonly snapshot = new BuiltOnDemand(() => this.build());
  /** The last build's cards by address: a card whose entry did not change is reused, its vCard and ETag as they were. */
  private cards = new Map<string, Card>();

  constructor(private readonly source: Source) {}

  /**
   * The books as they are now, built on first use after a change in bounded slices of the event
   * loop (docs/architecture.md invariant 2): a city's directory holds thousands of cards, and the
   * web shares the event loop with IMAP and SMTP. Requests during a build wait for it; builds
   * never overlap, so the change log records them in order.
   */
  get(): Promise<BooksSnapshot> {
    return this.snapshot.get();
  }

  invalidate(): void {
    this.snapshot.invalidate();
  }

  private async build(): Promise<BooksSnapshot> {
    const slices = new TimeSlices();
    const listed = withoutSuspendedUnits(this.source.entries(), this.source.suspendedUnits());
    const cards = new Map<string, Card>();
    /** Unit address → the unit's card and its members' cards, in the directory's order. */
    const unitCards = new Map<string, Card[]>();
    for (const entry of listed) {
      await slices.pause();
      const previous = this.cards.get(entry.address);
      const card = previous !== undefined && sameEntry(previous.entry, entry) ? previous : cardOf(entry);
      cards.set(entry.address, card);
      const unit = entry.kind === 'unit' ? entry.address : entry.unit?.address;
      if (unit === undefined) continue;
      const members = unitCards.get(unit);
      if (members) members.push(card);
      else unitCards.set(unit, [card]);
    }
    this.cards = cards;
    const shapes: Array<Omit<AddressBook, 'token'>> = [
      { id: CITY_BOOK, displayName: 'Danh bạ thành phố', description: 'Mọi đơn vị và cán bộ, công chức đang công tác', cards: byName([...cards.values()]) },
    ];
    for (const unit of listed.filter((e) => e.kind === 'unit').sort((a, b) => a.address.localeCompare(b.address))) {
      shapes.push({ id: UNIT_BOOK_PREFIX + localPartOf(unit.address), displayName: unit.name, description: `Hộp thư và cán bộ của ${unit.name}`, cards: byName(unitCards.get(unit.address) ?? []) });
    }
    // One book per transaction of the change log, the event loop free between them: a book's token depends on its rows alone.
    const books = new Map<string, AddressBook>();
    for (const shape of shapes) {
      await slices.pause();
      const tokens = this.source.record(new Map([[shape.id, new Map([...shape.cards].map(([name, card]) => [name, card.etag]))]]));
      books.set(shape.id, { ...shape, token: tokens.get(shape.id) ?? 0 });
    }
    return { books };
  }
}

/** Whether two entries give the same vCard (toVCard reads these fields only). */
function sameEntry(a: DirectoryEntry, b: DirectoryEntry): boolean {
  return a.kind === b.kind && a.name === b.name && a.title === b.title && a.phone === b.phone && a.unit?.address === b.unit?.address && a.unit?.name === b.unit?.name;
}

function cardOf(entry: DirectoryEntry): Card {
  const vcard = toVCard(entry);
  return { name: `${localPartOf(entry.address)}.vcf`, entry, vcard, etag: `"${createHash('sha256').update(vcard).digest('hex').slice(0, 32)}"` };
}

function byName(cards: readonly Card[]): ReadonlyMap<string, Card> {
  return new Map(cards.map((c) => [c.name, c]));
}
