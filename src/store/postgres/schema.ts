import type { Migration } from '../database.js';

/**
 * The PostgreSQL store's tables (component "store" in schema_migrations), the same meaning as the
 * SQLite schema (src/store/schema.ts) with these differences:
 * - Bodies are split in two: `blobs` + `blob_chunks` hold bytes only and belong to the BlobStore
 *   (blob-store.ts), so an object store can take them over later (docs/postgres.en.md);
 *   `bodies` holds what the MailStore derives from the bytes (ENVELOPE, BODYSTRUCTURE, header
 *   size, protocol cache) and `body_text` the folded search text, indexed by pg_trgm (search.ts).
 * - Several nodes write at once: every write to a mailbox's messages first locks its `mailboxes`
 *   row (UPDATE … RETURNING of uidnext/highestmodseq, or SELECT … FOR UPDATE), so UIDs and
 *   MODSEQs are allocated in commit order and `uidnext`/`highestmodseq` only grow (RFC 3501
 *   §2.3.1.1, RFC 7162 §3).
 * - Numbers a client sees (UID, MODSEQ, UIDVALIDITY: 32 and 63 bits) are BIGINT.
 * - `mailboxes.total_size` is kept by a trigger, as in SQLite, so accountUsage is a SUM over a
 *   handful of rows.
 */
export const PG_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;

      CREATE TABLE store_state (
        key TEXT PRIMARY KEY,
        value BIGINT NOT NULL
      );

      CREATE TABLE mailboxes (
        id BIGSERIAL PRIMARY KEY,
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        special_use TEXT,
        uidvalidity BIGINT NOT NULL UNIQUE,
        uidnext BIGINT NOT NULL DEFAULT 1,
        highestmodseq BIGINT NOT NULL DEFAULT 1,
        total_size BIGINT NOT NULL DEFAULT 0,
        UNIQUE (account, name)
      );

      CREATE TABLE subscriptions (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (account, name)
      );

      CREATE TABLE blobs (
        digest TEXT PRIMARY KEY,
        size BIGINT NOT NULL
      );

      CREATE TABLE blob_chunks (
        digest TEXT NOT NULL REFERENCES blobs (digest) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (digest, seq)
      );

      CREATE TABLE bodies (
        id BIGSERIAL PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE REFERENCES blobs (digest),
        header_size INTEGER NOT NULL,
        envelope TEXT NOT NULL,
        structure TEXT NOT NULL,
        protocol_cache TEXT
      );

      -- Text folded by foldVietnamese (lowercase, diacritics off, đ → d) at delivery, as SQLite's message_text.
      CREATE TABLE body_text (
        body_id BIGINT PRIMARY KEY REFERENCES bodies (id) ON DELETE CASCADE,
        subject TEXT NOT NULL,
        from_addr TEXT NOT NULL,
        to_addr TEXT NOT NULL,
        cc_addr TEXT NOT NULL,
        bcc_addr TEXT NOT NULL,
        headers TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX body_text_subject ON body_text USING gin (subject gin_trgm_ops);
      CREATE INDEX body_text_from ON body_text USING gin (from_addr gin_trgm_ops);
      CREATE INDEX body_text_to ON body_text USING gin (to_addr gin_trgm_ops);
      CREATE INDEX body_text_cc ON body_text USING gin (cc_addr gin_trgm_ops);
      CREATE INDEX body_text_bcc ON body_text USING gin (bcc_addr gin_trgm_ops);
      CREATE INDEX body_text_headers ON body_text USING gin (headers gin_trgm_ops);
      CREATE INDEX body_text_body ON body_text USING gin (body gin_trgm_ops);

      -- system: bit set of \\Seen \\Answered \\Flagged \\Deleted \\Draft (flags.ts);
      -- keywords: space-separated atoms; internal_date: milliseconds since the epoch.
      CREATE TABLE messages (
        mailbox BIGINT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
        uid BIGINT NOT NULL,
        modseq BIGINT NOT NULL,
        system INTEGER NOT NULL DEFAULT 0,
        keywords TEXT NOT NULL DEFAULT '',
        internal_date BIGINT NOT NULL,
        size BIGINT NOT NULL,
        recent BOOLEAN NOT NULL DEFAULT true,
        body BIGINT NOT NULL REFERENCES bodies (id),
        PRIMARY KEY (mailbox, uid)
      );
      CREATE INDEX messages_modseq ON messages (mailbox, modseq);
      CREATE INDEX messages_body ON messages (body);

      CREATE TABLE expunged (
        mailbox BIGINT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
        uid BIGINT NOT NULL,
        modseq BIGINT NOT NULL,
        PRIMARY KEY (mailbox, uid)
      );
      CREATE INDEX expunged_modseq ON expunged (mailbox, modseq);

      -- The pruning bookkeeping of src/store/expunge-history.ts: kept records and the floor below which history is gone.
      CREATE TABLE expunge_history (
        mailbox BIGINT PRIMARY KEY REFERENCES mailboxes (id) ON DELETE CASCADE,
        kept BIGINT NOT NULL DEFAULT 0,
        floor BIGINT NOT NULL DEFAULT 0
      );

      CREATE TABLE private_seen (
        mailbox BIGINT NOT NULL,
        uid BIGINT NOT NULL,
        reader TEXT NOT NULL,
        PRIMARY KEY (mailbox, uid, reader),
        FOREIGN KEY (mailbox, uid) REFERENCES messages (mailbox, uid) ON DELETE CASCADE
      );
      CREATE INDEX private_seen_reader ON private_seen (mailbox, reader);

      CREATE FUNCTION messages_total_size() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          UPDATE mailboxes SET total_size = total_size + NEW.size WHERE id = NEW.mailbox;
        ELSE
          UPDATE mailboxes SET total_size = total_size - OLD.size WHERE id = OLD.mailbox;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER messages_total_size AFTER INSERT OR DELETE ON messages
        FOR EACH ROW EXECUTE FUNCTION messages_total_size();
    `,
  },
];
