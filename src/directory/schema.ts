import type { Migration } from '../store/index.js';
import { RESERVED_LOCAL_PARTS } from './address.js';

/**
 * The directory's tables (component "directory" in schema_migrations). Invariants:
 * - `addresses` is the one namespace of local parts (persons, units, aliases, reserved names).
 *   A row is never deleted while mail for it may exist: a retired person's address stays taken
 *   until retention purges the mailbox (DESIGN.md "Lifecycle").
 * - Every change to these tables is made in one transaction with its `audit_log` row.
 * - Units have no password: they are opened by their head or delegates (docs/architecture.md "Unit mailboxes").
 * - `credential_version` grows with every password change, so sessions opened with an older
 *   password can be ended (revalidate).
 */
export const DIRECTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE addresses (
        local_part TEXT PRIMARY KEY COLLATE NOCASE
          CHECK (local_part = lower(local_part) AND length(local_part) BETWEEN 1 AND 64),
        kind TEXT NOT NULL CHECK (kind IN ('person', 'unit', 'alias', 'reserved')),
        -- alias or reserved name: the local part mail is handed to (NULL: postmaster's mailbox).
        target TEXT COLLATE NOCASE REFERENCES addresses(local_part),
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE units (
        id INTEGER PRIMARY KEY,
        local_part TEXT NOT NULL UNIQUE COLLATE NOCASE REFERENCES addresses(local_part),
        name TEXT NOT NULL,
        parent_id INTEGER REFERENCES units(id),
        head_person_id INTEGER REFERENCES persons(id),
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        suspended_reason TEXT,
        -- seen mode (docs/architecture.md "Unit mailboxes"): one \\Seen for the team, or each delegate their own.
        seen_mode TEXT NOT NULL DEFAULT 'shared' CHECK (seen_mode IN ('shared', 'private')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        local_part TEXT NOT NULL UNIQUE COLLATE NOCASE REFERENCES addresses(local_part),
        full_name TEXT NOT NULL,
        -- foldVietnamese(full_name): directory search finds "Nguyễn Văn Ân" from "nguyen van an".
        name_folded TEXT NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units(id),
        title TEXT,
        phone TEXT,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        retired_at TEXT,
        password_hash TEXT NOT NULL,
        -- docs/architecture.md "Password lifecycle": a new password may not be the previous one.
        previous_password_hash TEXT,
        must_change_password INTEGER NOT NULL DEFAULT 1 CHECK (must_change_password IN (0, 1)),
        password_changed_at TEXT NOT NULL,
        credential_version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX persons_unit ON persons (unit_id);
      CREATE INDEX persons_name ON persons (name_folded);

      -- RFC 4314 rights of a person on a unit's mailboxes (the head holds all without a row).
      CREATE TABLE delegations (
        unit_id INTEGER NOT NULL REFERENCES units(id),
        person_id INTEGER NOT NULL REFERENCES persons(id),
        rights TEXT NOT NULL CHECK (rights <> '' AND rights NOT GLOB '*[^lrswipkxtea]*'),
        send_as INTEGER NOT NULL DEFAULT 0 CHECK (send_as IN (0, 1)),
        granted_doc TEXT NOT NULL,
        granted_by TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        PRIMARY KEY (unit_id, person_id)
      ) WITHOUT ROWID;
      CREATE INDEX delegations_person ON delegations (person_id);

      -- Điều 10 violations; src/notices sends the warnings and the report to the head of the unit.
      CREATE TABLE violations (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id),
        reason TEXT NOT NULL,
        serious INTEGER NOT NULL DEFAULT 0 CHECK (serious IN (0, 1)),
        source TEXT NOT NULL CHECK (source IN ('admin', 'filter', 'rate-limit')),
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        warned_at TEXT,
        reported_at TEXT
      );
      CREATE INDEX violations_person ON violations (person_id, created_at);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        doc TEXT,
        before_json TEXT,
        after_json TEXT,
        detail_json TEXT
      );
      CREATE INDEX audit_subject ON audit_log (subject, id);
      CREATE INDEX audit_at ON audit_log (at);

      INSERT INTO addresses (local_part, kind, created_at)
      VALUES ${RESERVED_LOCAL_PARTS.map((name) => `('${name}', 'reserved', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`).join(', ')};
    `,
  },
  {
    version: 2,
    sql: `
      -- Unit mailbox diligence (docs/architecture.md "Unit mailboxes"): a unit's own reminder
      -- threshold and digest time; a NULL column follows [units] reminder_hours / digest_at.
      CREATE TABLE unit_diligence (
        unit_id INTEGER PRIMARY KEY REFERENCES units(id),
        -- working hours before a reminder; 0: no reminders for this unit.
        reminder_hours REAL CHECK (reminder_hours >= 0),
        -- minutes after local midnight; -1: no digest for this unit.
        digest_at INTEGER CHECK (digest_at BETWEEN -1 AND 1440)
      );
    `,
  },
  {
    version: 3,
    // address-book-log.ts: what each CardDAV address book held when last looked at, and when each card changed.
    sql: `
      CREATE TABLE address_book_cards (
        book TEXT NOT NULL,
        card TEXT NOT NULL,
        -- NULL: the card left the book (a tombstone, reported as removed by sync-collection).
        etag TEXT,
        seq INTEGER NOT NULL,
        PRIMARY KEY (book, card)
      ) WITHOUT ROWID;
      CREATE INDEX address_book_cards_seq ON address_book_cards (seq);
      CREATE INDEX address_book_cards_book_seq ON address_book_cards (book, seq);
    `,
  },
];
