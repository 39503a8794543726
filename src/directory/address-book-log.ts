import type { Db } from '../store/index.js';

/**
 * The change log behind CardDAV sync-collection (RFC 6578): for every address book, the ETag of
 * each card it held when last looked at and the sequence number of that card's last change. The
 * web layer hands over the books as they are now (`record`); whatever differs from the stored
 * state (a new card, a changed ETag, a card gone) gets the next sequence number. Comparing
 * contents rather than listening to lifecycle events catches every cause alike: a person added
 * by the CLI, a transfer, a retirement, a suspended unit, a renamed title.
 *
 * Invariants:
 * - A sync token is a sequence number; a book's token is the highest sequence among its rows, so
 *   it moves only when that book changes. Sequence numbers grow over all books together.
 * - A card that leaves a book keeps its row with a NULL ETag (a tombstone), so a client holding
 *   any older token learns of the removal; tombstones are never pruned, so every token a book
 *   has handed out stays valid (a token above the book's current one is refused: RFC 6578 §3.2).
 */

/** One card of a book as it is now: its name in the book and its ETag. */
export type BookCards = ReadonlyMap<string, string>;

/** A card changed since a token: its new ETag, or null when it left the book. */
export interface CardChange {
  readonly card: string;
  readonly etag: string | null;
}

export class AddressBookLog {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      rows: db.prepare<[string], { card: string; etag: string | null }>('SELECT card, etag FROM address_book_cards WHERE book = ?'),
      lastSeq: db.prepare<[], number | null>('SELECT max(seq) FROM address_book_cards').pluck(),
      bookSeq: db.prepare<[string], number | null>('SELECT max(seq) FROM address_book_cards WHERE book = ?').pluck(),
      upsert: db.prepare<[string, string, string | null, number]>(
        'INSERT INTO address_book_cards (book, card, etag, seq) VALUES (?, ?, ?, ?) ON CONFLICT (book, card) DO UPDATE SET etag = excluded.etag, seq = excluded.seq',
      ),
      since: db.prepare<[string, number], CardChange>('SELECT card, etag FROM address_book_cards WHERE book = ? AND seq > ? ORDER BY seq'),
    };
  }

  /**
   * Brings the log in line with the books as they are now, in one transaction, and returns each
   * book's token. Books not given are left as they are (a suspended unit's book keeps its rows).
   */
  record(books: ReadonlyMap<string, BookCards>): Map<string, number> {
    return this.db
      .transaction(() => {
        let seq = this.statements.lastSeq.get() ?? 0;
        const tokens = new Map<string, number>();
        for (const [book, cards] of books) {
          const stored = new Map(this.statements.rows.all(book).map((row) => [row.card, row.etag]));
          for (const [card, etag] of cards) {
            if (stored.get(card) !== etag) this.statements.upsert.run(book, card, etag, ++seq);
          }
          for (const [card, etag] of stored) {
            if (etag !== null && !cards.has(card)) this.statements.upsert.run(book, card, null, ++seq);
          }
          tokens.set(book, this.statements.bookSeq.get(book) ?? 0);
        }
        return tokens;
      })
      .immediate();
  }

  /** RFC 6578 §3.2: the cards of `book` changed after `token`, oldest change first; null for a token the book never handed out. */
  changesSince(book: string, token: number): CardChange[] | null {
    const current = this.statements.bookSeq.get(book) ?? 0;
    if (!Number.isSafeInteger(token) || token < 0 || token > current) return null;
    return this.statements.since.all(book, token);
  }
}
