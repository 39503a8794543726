import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { StoredFlags } from './flags.js';
import { MAILBOX_COLUMNS, type MailboxRow } from './mailbox-row.js';
import type { MailboxCounts } from './types.js';

export type { MailboxRow };

/** A `messages` row with its blob's SHA-256, as read for copy and flag work. */
export interface MessageRecord extends StoredFlags {
  uid: number;
  modseq: number;
  internal_date: number;
  size: number;
  blob: number;
  sha256: string;
}


const MESSAGE_COLUMNS = 'm.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, m.blob, b.sha256';

/** A listMessages row as an array (raw mode): uid, modseq, system, keywords, internal_date, size, sha256. */
export type MessageListRow = [number, number, number, string, number, number, string];

export type StoreStatements = ReturnType<typeof prepareStatements>;

/** Every statement the store runs, prepared once per connection. */
export function prepareStatements(db: Db) {
  const mailbox = <P extends unknown[]>(where: string): Statement<P, MailboxRow> =>
    db.prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE ${where}`);
  return {
    mailboxById: mailbox<[number]>('id = ?'),
    mailboxByName: mailbox<[string, string]>('account = ? AND name = ?'),
    mailboxBySpecialUse: mailbox<[string, string]>('account = ? AND special_use = ? ORDER BY id LIMIT 1'),
    mailboxesOfAccount: mailbox<[string]>('account = ? ORDER BY name'),
    largestMailbox: mailbox<[]>('total_size > 0 ORDER BY total_size DESC, id LIMIT 1'),
    nextUidValidity: db
      .prepare<[number], number>(
        `INSERT INTO store_state (key, value) VALUES ('uidvalidity', ?)
         ON CONFLICT (key) DO UPDATE SET value = max(value + 1, excluded.value) RETURNING value`,
      )
      .pluck(),
    insertMailbox: db.prepare<[string, string, string | null, number], MailboxRow>(
      `INSERT INTO mailboxes (account, name, special_use, uidvalidity) VALUES (?, ?, ?, ?) RETURNING ${MAILBOX_COLUMNS}`,
    ),
    deleteMailbox: db.prepare<[number]>('DELETE FROM mailboxes WHERE id = ?'),
    renameMailbox: db.prepare<[string, number]>('UPDATE mailboxes SET name = ? WHERE id = ?'),
    allocateUids: db.prepare<[{ count: number; id: number }], { first: number; modseq: number; account: string }>(
      `UPDATE mailboxes SET uidnext = uidnext + @count, highestmodseq = highestmodseq + 1 WHERE id = @id
       RETURNING uidnext - @count AS first, highestmodseq AS modseq, account`,
    ),
    bumpModSeq: db
      .prepare<[number], number>('UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING highestmodseq')
      .pluck(),
    counts: db.prepare<[{ seen: number; deleted: number; id: number }], MailboxCounts>(
      `SELECT count(*) AS messages, coalesce(sum(recent), 0) AS recent,
              coalesce(sum((system & @seen) = 0), 0) AS unseen, coalesce(sum((system & @deleted) != 0), 0) AS deleted,
              coalesce(sum(size), 0) AS size
       FROM messages WHERE mailbox = @id`,
    ),
    accountUsage: db.prepare<[string], number>('SELECT coalesce(sum(total_size), 0) FROM mailboxes WHERE account = ?').pluck(),
    accountMessageCount: db
      .prepare<[string], number>('SELECT count(*) FROM messages WHERE mailbox IN (SELECT id FROM mailboxes WHERE account = ?)')
      .pluck(),
    deleteAccountMailboxes: db.prepare<[string]>('DELETE FROM mailboxes WHERE account = ?'),
    deleteAccountSubscriptions: db.prepare<[string]>('DELETE FROM subscriptions WHERE account = ?'),
    subscribe: db.prepare<[string, string]>('INSERT OR IGNORE INTO subscriptions (account, name) VALUES (?, ?)'),
    unsubscribe: db.prepare<[string, string]>('DELETE FROM subscriptions WHERE account = ? AND name = ?'),
    subscriptions: db.prepare<[string], string>('SELECT name FROM subscriptions WHERE account = ? ORDER BY name').pluck(),
    insertMessage: db.prepare<[number, number, number, number, string, number, number, number]>(
      `INSERT INTO messages (mailbox, uid, modseq, system, keywords, internal_date, size, blob, recent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    ),
    // Raw rows (arrays): listMessages is the IMAP sync hot path, 10,000 rows per SELECT.
    listMessages: db
      .prepare<[number], MessageListRow>(
        `SELECT m.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, b.sha256
         FROM messages m JOIN blobs b ON b.id = m.blob WHERE m.mailbox = ? ORDER BY m.uid`,
      )
      .raw(),
    listMessagePage: db
      .prepare<[number, number, number], MessageListRow>(
        `SELECT m.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, b.sha256
         FROM messages m JOIN blobs b ON b.id = m.blob WHERE m.mailbox = ? AND m.uid > ? ORDER BY m.uid LIMIT ?`,
      )
      .raw(),
    listChangedMessages: db
      .prepare<[number, number], MessageListRow>(
        `SELECT m.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, b.sha256
         FROM messages m JOIN blobs b ON b.id = m.blob WHERE m.mailbox = ? AND m.modseq > ? ORDER BY m.uid`,
      )
      .raw(),
    messagesByUid: db.prepare<[number, string], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN blobs b ON b.id = m.blob
       WHERE m.mailbox = ? AND m.uid IN (SELECT value FROM json_each(?)) ORDER BY m.uid`,
    ),
    messageMeta: db.prepare<[number, string], { uid: number; envelope: string; structure: string; header_size: number }>(
      `SELECT m.uid, b.envelope, b.structure, b.header_size FROM messages m JOIN blobs b ON b.id = m.blob
       WHERE m.mailbox = ? AND m.uid IN (SELECT value FROM json_each(?)) ORDER BY m.uid`,
    ),
    protocolCache: db.prepare<[number, string], { uid: number; text: string }>(
      `SELECT m.uid, b.protocol_cache AS text FROM messages m JOIN blobs b ON b.id = m.blob
       WHERE m.mailbox = ? AND m.uid IN (SELECT value FROM json_each(?)) AND b.protocol_cache IS NOT NULL`,
    ),
    protocolCacheBefore: db.prepare<[number, number], { id: number; blob: string; text: string }>(
      `SELECT id, sha256 AS blob, protocol_cache AS text FROM blobs
       WHERE id < ? AND protocol_cache IS NOT NULL ORDER BY id DESC LIMIT ?`,
    ),
    setProtocolCache: db.prepare<[string, string]>('UPDATE blobs SET protocol_cache = ? WHERE sha256 = ? AND protocol_cache IS NULL'),
    updateFlags: db.prepare<[number, string, number, number, number]>(
      'UPDATE messages SET system = ?, keywords = ?, modseq = ? WHERE mailbox = ? AND uid = ?',
    ),
    claimRecent: db.prepare<[number], number>('UPDATE messages SET recent = 0 WHERE mailbox = ? AND recent = 1 RETURNING uid').pluck(),
    recentUids: db.prepare<[number], number>('SELECT uid FROM messages WHERE mailbox = ? AND recent = 1 ORDER BY uid').pluck(),
    allUids: db.prepare<[number], number>('SELECT uid FROM messages WHERE mailbox = ? ORDER BY uid').pluck(),
    deletedUids: db.prepare<[number, number], number>('SELECT uid FROM messages WHERE mailbox = ? AND (system & ?) != 0 ORDER BY uid').pluck(),
    deletedUidsAmong: db
      .prepare<[number, number, string], number>(
        `SELECT uid FROM messages WHERE mailbox = ? AND (system & ?) != 0
         AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid`,
      )
      .pluck(),
    deleteMessage: db.prepare<[number, number]>('DELETE FROM messages WHERE mailbox = ? AND uid = ?'),
    blobRange: db.prepare<[number], { first: number | null; last: number | null; count: number }>(
      'SELECT min(blob) AS first, max(blob) AS last, count(*) AS count FROM messages WHERE mailbox = ?',
    ),
    uidsOfMailbox: db.prepare<[number], number>('SELECT uid FROM messages WHERE mailbox = ? ORDER BY uid').pluck(),
    messagesOfBlobsAbove: db.prepare<[number, number, string], { blob: number; uid: number }>(
      'SELECT blob, uid FROM messages WHERE mailbox = ? AND (blob > ? OR blob IN (SELECT value FROM json_each(?)))',
    ),
    uidsOfBlobs: db.prepare<[number, string], number>('SELECT uid FROM messages WHERE mailbox = ? AND blob IN (SELECT value FROM json_each(?))').pluck(),
  };
}
