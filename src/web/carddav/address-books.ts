import { createHash } from 'node:crypto';
import type { BookCards, DirectoryEntry } from '../../directory/index.js';
import { localPartOf, toVCard, withoutSuspendedUnits } from '../../directory/index.js';

/**
 * The address books CardDAV serves (docs/admin-guide.en.md "CardDAV address book"): the whole
 * directory ("Danh bạ thành phố") and one book per unit (the unit mailbox and its members).
 * Retired persons are not in the directory's list; a suspended unit, its book and its members
 * are left out, as in the LDAP tree.
 *
 * A snapshot is built on first use and dropped after any directory change (app.ts), like the
 * search index: building it hands every book's cards and ETags to the directory's change log,
 * which returns the sync tokens (RFC 6578 §4) that stay valid across restarts.
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
  private snapshot: BooksSnapshot | null = null;

  constructor(private readonly source: Source) {}

  get(): BooksSnapshot {
    this.snapshot ??= this.build();
    return this.snapshot;
  }

  invalidate(): void {
    this.snapshot = null;
  }

  private build(): BooksSnapshot {
    const listed = withoutSuspendedUnits(this.source.entries(), this.source.suspendedUnits());
    const cards = listed.map(cardOf);
    const shapes: Array<Omit<AddressBook, 'token'>> = [
      { id: CITY_BOOK, displayName: 'Danh bạ thành phố', description: 'Mọi đơn vị và cán bộ, công chức đang công tác', cards: byName(cards) },
    ];
    for (const unit of listed.filter((e) => e.kind === 'unit').sort((a, b) => a.address.localeCompare(b.address))) {
      const members = cards.filter((c) => c.entry.address === unit.address || c.entry.unit?.address === unit.address);
      shapes.push({ id: UNIT_BOOK_PREFIX + localPartOf(unit.address), displayName: unit.name, description: `Hộp thư và cán bộ của ${unit.name}`, cards: byName(members) });
    }
    const tokens = this.source.record(new Map(shapes.map((b) => [b.id, new Map([...b.cards].map(([name, card]) => [name, card.etag]))])));
    return { books: new Map(shapes.map((b) => [b.id, { ...b, token: tokens.get(b.id) ?? 0 }])) };
  }
}

function cardOf(entry: DirectoryEntry): Card {
  const vcard = toVCard(entry);
  return { name: `${localPartOf(entry.address)}.vcf`, entry, vcard, etag: `"${createHash('sha256').update(vcard).digest('hex').slice(0, 32)}"` };
}

function byName(cards: readonly Card[]): ReadonlyMap<string, Card> {
  return new Map(cards.map((c) => [c.name, c]));
}
