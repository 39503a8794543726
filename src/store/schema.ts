import type { Migration } from './database.js';

/**
 * The store's tables (component "store" in schema_migrations). Invariants the code relies on:
 * - `mailboxes.uidnext` and `mailboxes.highestmodseq` only grow (RFC 3501 §2.3.1.1, RFC 7162 §3);
 *   every write that changes a message bumps `highestmodseq` first and stamps the rows with it.
 * - A body is one `blobs` row keyed by SHA-256, with its ENVELOPE/BODYSTRUCTURE and one FTS row
 *   (rowid = blob id); `messages` rows of any number of mailboxes point at it. Nothing counts
 *   references: a blob is unreferenced when no `messages` row names it (indexed query).
 * - `mailboxes.total_size` is the sum of RFC822.SIZE of its messages, kept by triggers so
 *   accountUsage (checked on every APPEND/RCPT for quota) is a SUM over a handful of rows.
 * - `expunged` remembers (uid, modseq) of removed messages for RFC 7162 VANISHED.
 */
export const STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE store_state (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );

      CREATE TABLE mailboxes (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        special_use TEXT,
        uidvalidity INTEGER NOT NULL UNIQUE,
        uidnext INTEGER NOT NULL DEFAULT 1,
        highestmodseq INTEGER NOT NULL DEFAULT 1,
        total_size INTEGER NOT NULL DEFAULT 0,
        UNIQUE (account, name)
      );

      CREATE TABLE subscriptions (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (account, name)
      ) WITHOUT ROWID;

      -- One row per distinct body. The bytes live in blob_chunks (see blobs.ts for why).
      CREATE TABLE blobs (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        header_size INTEGER NOT NULL,
        envelope TEXT NOT NULL,
        structure TEXT NOT NULL
      );

      CREATE TABLE blob_chunks (
        blob INTEGER NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (blob, seq)
      );

      -- system: bit set of \\Seen \\Answered \\Flagged \\Deleted \\Draft (flags.ts);
      -- keywords: space-separated atoms (IMAP atoms cannot contain a space).
      CREATE TABLE messages (
        mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid INTEGER NOT NULL,
        modseq INTEGER NOT NULL,
        system INTEGER NOT NULL DEFAULT 0,
        keywords TEXT NOT NULL DEFAULT '',
        internal_date INTEGER NOT NULL,
        size INTEGER NOT NULL,
        recent INTEGER NOT NULL DEFAULT 1,
        blob INTEGER NOT NULL REFERENCES blobs(id),
        PRIMARY KEY (mailbox, uid)
      ) WITHOUT ROWID;
      CREATE INDEX messages_modseq ON messages (mailbox, modseq);
      CREATE INDEX messages_blob ON messages (blob);

      CREATE TABLE expunged (
        mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid INTEGER NOT NULL,
        modseq INTEGER NOT NULL,
        PRIMARY KEY (mailbox, uid)
      ) WITHOUT ROWID;

      CREATE TRIGGER messages_size_insert AFTER INSERT ON messages BEGIN
        UPDATE mailboxes SET total_size = total_size + NEW.size WHERE id = NEW.mailbox;
      END;
      CREATE TRIGGER messages_size_delete AFTER DELETE ON messages BEGIN
        UPDATE mailboxes SET total_size = total_size - OLD.size WHERE id = OLD.mailbox;
      END;

      -- Contentless: the text is already in the blob, the index only needs the tokens.
      -- Text is folded by foldVietnamese before it gets here, and so are queries (fts.ts).
      CREATE VIRTUAL TABLE message_fts USING fts5(
        subject, from_addr, to_addr, cc_addr, bcc_addr, body,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER blobs_fts_delete AFTER DELETE ON blobs BEGIN
        DELETE FROM message_fts WHERE rowid = OLD.id;
      END;
    `,
  },
  {
    // RFC 3501 §6.4.4 wants substrings, which a word index cannot find ("ser-fro" in
    // "sender-from@…"): the trigram tokenizer indexes every run of 3 characters. The table keeps
    // its (folded) text, so strings of 1–2 characters are scanned for in the same rows;
    // detail=none keeps no positions (GLOB checks the text of each candidate), which makes the
    // index about the size of the text instead of five times it. Rows of existing bodies are
    // built at start-up by FullTextIndex.backfill (fts.ts), which needs the message parser.
    version: 2,
    sql: `
      DROP TRIGGER blobs_fts_delete;
      DROP TABLE message_fts;
      CREATE VIRTUAL TABLE message_text USING fts5(
        subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body,
        tokenize = 'trigram case_sensitive 1', detail = none, columnsize = 0
      );
      CREATE TRIGGER blobs_text_delete AFTER DELETE ON blobs BEGIN
        DELETE FROM message_text WHERE rowid = OLD.id;
      END;
    `,
  },
  {
    // A protocol's encoding of a body's stored meta (IMAP: ENVELOPE and BODYSTRUCTURE as sent),
    // opaque to the store and written the first time a client asks, so the first full sync after
    // a restart reads it instead of parsing and encoding every message again. A body never
    // changes (its id is its SHA-256), so neither does this; NULL: not encoded yet.
    version: 3,
    sql: `ALTER TABLE blobs ADD COLUMN protocol_cache TEXT;`,
  },
];
