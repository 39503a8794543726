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
  {
    // docs/postgres.en.md "Round trips per delivery": a delivery or APPEND as one statement
    // (message-writes.ts), so it costs one round trip and its COMMIT instead of one per row. Each
    // function runs in its caller's transaction, or in the implicit transaction of the single
    // statement that calls it (PostgreSQL §55.2.3 "Extended Query"); the mailboxes a delivery needs are made by
    // PgMailStore.makeDeliveryMailbox, in TypeScript, when delivery_mailbox finds none.
    version: 2,
    sql: `
      -- The body's row id, storing bytes (blobs, blob_chunks), meta and search text only if this body
      -- is new. chunks: the body's chunks when the caller did not store them before in the same
      -- transaction (a large body, written chunk by chunk), else NULL. An existing body's row is
      -- locked FOR KEY SHARE so a purge on another node cannot remove it before the message row names
      -- it; one removed just before is stored again, or, when its chunks are not at hand, the
      -- transaction fails as a serialization failure and the store runs it again.
      CREATE FUNCTION store_body(p_digest TEXT, p_size BIGINT, p_chunks BYTEA[], p_header_size INTEGER, p_envelope TEXT, p_structure TEXT,
                                 p_subject TEXT, p_from TEXT, p_to TEXT, p_cc TEXT, p_bcc TEXT, p_headers TEXT, p_body TEXT)
      RETURNS BIGINT LANGUAGE plpgsql AS $$
      DECLARE
        v_id BIGINT;
      BEGIN
        LOOP
          INSERT INTO blobs (digest, size) VALUES (p_digest, p_size) ON CONFLICT (digest) DO NOTHING;
          IF FOUND THEN
            IF p_chunks IS NULL THEN
              RAISE EXCEPTION 'body % was removed meanwhile', p_digest USING ERRCODE = 'serialization_failure';
            END IF;
            INSERT INTO blob_chunks (digest, seq, data)
              SELECT p_digest, c.seq - 1, c.data FROM unnest(p_chunks) WITH ORDINALITY AS c(data, seq);
          END IF;
          INSERT INTO bodies (digest, header_size, envelope, structure) VALUES (p_digest, p_header_size, p_envelope, p_structure)
            ON CONFLICT (digest) DO NOTHING RETURNING id INTO v_id;
          IF v_id IS NOT NULL THEN
            INSERT INTO body_text (body_id, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body)
              VALUES (v_id, p_subject, p_from, p_to, p_cc, p_bcc, p_headers, p_body);
            RETURN v_id;
          END IF;
          SELECT id INTO v_id FROM bodies WHERE digest = p_digest FOR KEY SHARE;
          IF v_id IS NOT NULL THEN
            RETURN v_id;
          END IF;
        END LOOP;
      END $$;

      -- One message row: UID and MODSEQ by one UPDATE … RETURNING of the mailbox row, whose lock
      -- orders writers on every node. A missing mailbox raises no_data_found (P0002).
      CREATE FUNCTION append_message(p_mailbox BIGINT, p_body BIGINT, p_system INTEGER, p_keywords TEXT, p_internal_date BIGINT, p_size BIGINT,
                                     OUT new_uid BIGINT, OUT new_modseq BIGINT, OUT mailbox_account TEXT, OUT mailbox_uidvalidity BIGINT)
      LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1 WHERE id = p_mailbox
          RETURNING uidnext - 1, highestmodseq, account, uidvalidity INTO new_uid, new_modseq, mailbox_account, mailbox_uidvalidity;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'no mailbox %', p_mailbox USING ERRCODE = 'no_data_found';
        END IF;
        INSERT INTO messages (mailbox, uid, modseq, system, keywords, internal_date, size, body)
          VALUES (p_mailbox, new_uid, new_modseq, p_system, p_keywords, p_internal_date, p_size, p_body);
      END $$;

      -- The mailbox a delivery copy goes to, or NULL when one must be made first (the caller makes it
      -- and asks again). kind 'inbox': INBOX. 'junk' (RFC 6154): the mailbox marked \\Junk, whatever
      -- the user renamed it to, else one named Junk. 'named': the mailbox of that (canonical) name;
      -- when it is missing, NULL if the copy may create it (Sieve fileinto :create), else INBOX.
      CREATE FUNCTION delivery_mailbox(p_account TEXT, p_kind TEXT, p_name TEXT, p_create BOOLEAN)
      RETURNS BIGINT LANGUAGE sql STABLE AS $$
        SELECT CASE p_kind
          WHEN 'inbox' THEN (SELECT id FROM mailboxes WHERE account = p_account AND name = 'INBOX')
          WHEN 'junk' THEN coalesce(
            (SELECT id FROM mailboxes WHERE account = p_account AND special_use = '\\Junk' ORDER BY id LIMIT 1),
            (SELECT id FROM mailboxes WHERE account = p_account AND name = 'Junk'))
          ELSE coalesce(
            (SELECT id FROM mailboxes WHERE account = p_account AND name = p_name),
            CASE WHEN p_create THEN NULL ELSE (SELECT id FROM mailboxes WHERE account = p_account AND name = 'INBOX') END)
        END
      $$;

      -- A delivery: the body stored once, then one message row per copy, in the order given (the
      -- caller sorts copies by account, so two deliveries lock mailbox rows in one order). A copy
      -- whose mailbox must be made first raises no_data_found before any row is written for it.
      CREATE FUNCTION deliver_message(p_body BIGINT, p_accounts TEXT[], p_kinds TEXT[], p_names TEXT[], p_creates BOOLEAN[],
                                      p_systems INTEGER[], p_keywords TEXT[], p_internal_date BIGINT, p_size BIGINT)
      RETURNS TABLE (mailbox BIGINT, uid BIGINT, modseq BIGINT, account TEXT) LANGUAGE plpgsql AS $$
      DECLARE
        v_mailbox BIGINT;
        v_row RECORD;
      BEGIN
        FOR i IN 1 .. coalesce(array_length(p_accounts, 1), 0) LOOP
          v_mailbox := delivery_mailbox(p_accounts[i], p_kinds[i], p_names[i], p_creates[i]);
          IF v_mailbox IS NULL THEN
            RAISE EXCEPTION 'no delivery mailbox for % yet', p_accounts[i] USING ERRCODE = 'no_data_found';
          END IF;
          SELECT * INTO v_row FROM append_message(v_mailbox, p_body, p_systems[i], p_keywords[i], p_internal_date, p_size);
          mailbox := v_mailbox;
          uid := v_row.new_uid;
          modseq := v_row.new_modseq;
          account := v_row.mailbox_account;
          RETURN NEXT;
        END LOOP;
      END $$;
    `,
  },
];
