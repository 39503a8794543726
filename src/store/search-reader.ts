/**
 * A read-only connection for the IMAP search worker threads (src/imap/search/worker.ts): SEARCH,
 * SORT and THREAD over a large mailbox read here instead of on the event loop's connection. WAL
 * lets it read while the server writes; each statement sees the last commit before it started,
 * as the server's own connection would.
 */
import Database from 'better-sqlite3';
import { SqliteBlobStore } from './blobs.js';
import { FullTextIndex } from './fts.js';
import { MessageReads } from './message-reads.js';
import { prepareSeenQuery } from './private-seen.js';
import { prepareStatements } from './statements.js';
import type { AccountId, MailboxId, Uid } from './types.js';

export class SearchReader extends MessageReads {
  private readonly seenOf: ReturnType<typeof prepareSeenQuery>;

  constructor(file: string) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    // The server checkpoints and writes meanwhile: wait for its locks rather than fail.
    db.pragma('busy_timeout = 10000');
    super(prepareStatements(db), new SqliteBlobStore(db), new FullTextIndex(db));
    this.seenOf = prepareSeenQuery(db);
  }

  /** The UIDs of `mailbox` that `reader` has marked \Seen for themselves (seen mode 'private'). */
  privateSeen(mailbox: MailboxId, reader: AccountId): Set<Uid> {
    return new Set(this.seenOf.all(mailbox, reader) as Uid[]);
  }
}
