import Database from 'better-sqlite3';
import { SqliteBlobStore } from './blobs.js';
import type { Db } from './database.js';
import { FlagListCache } from './flags.js';
import type { AccountId, BlobId, Flag } from './types.js';

/**
 * Read-only access to the mail of a backup copy (src/backup restore-mailbox / restore-message),
 * opened straight from the backup directory: nothing is written to it, so the copy still
 * verifies afterwards. Bodies are read with the store's own chunked reader (blobs.ts).
 */

export interface BackupMessage {
  readonly folder: string;
  readonly uid: number;
  readonly flags: readonly Flag[];
  readonly internalDate: Date;
  readonly blobId: BlobId;
  readonly messageId: string | null;
}

interface Row {
  folder: string;
  uid: number;
  system: number;
  keywords: string;
  internal_date: number;
  sha256: string;
  message_id: string | null;
}

const SELECT = `SELECT mb.name AS folder, m.uid, m.system, m.keywords, m.internal_date, b.sha256,
    json_extract(b.envelope, '$.messageId') AS message_id
  FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox JOIN blobs b ON b.id = m.blob`;

export class BackupMailReader {
  private readonly db: Db;
  private readonly blobs: SqliteBlobStore;
  private readonly flagLists = new FlagListCache();

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.blobs = new SqliteBlobStore(this.db);
  }

  /** Folder names of the account in the copy, sorted. */
  folders(account: AccountId): string[] {
    return this.db.prepare<[string], string>('SELECT name FROM mailboxes WHERE account = ? ORDER BY name').pluck().all(account);
  }

  /** Every message of the account's folder (or of every folder), in folder then UID order. */
  messages(account: AccountId, folder?: string): BackupMessage[] {
    // Named parameters: better-sqlite3 refuses numbered ones (?2) used twice.
    const rows = this.db
      .prepare<[{ account: string; folder: string | null }], Row>(`${SELECT} WHERE mb.account = @account AND (@folder IS NULL OR mb.name = @folder) ORDER BY mb.name, m.uid`)
      .all({ account, folder: folder ?? null });
    return rows.map((row) => this.toMessage(row));
  }

  /** The account's copies of the message with this Message-ID (RFC 5322 §3.6.4), angle brackets optional. */
  byMessageId(account: AccountId, messageId: string): BackupMessage[] {
    const bare = messageId.trim().replace(/^<|>$/g, '');
    const rows = this.db
      .prepare<[string, string, string], Row>(`${SELECT} WHERE mb.account = ? AND json_extract(b.envelope, '$.messageId') IN (?, ?) ORDER BY mb.name, m.uid`)
      .all(account, `<${bare}>`, bare);
    return rows.map((row) => this.toMessage(row));
  }

  raw(blobId: BlobId): Buffer {
    return this.blobs.read(blobId);
  }

  close(): void {
    this.db.close();
  }

  private toMessage(row: Row): BackupMessage {
    return {
      folder: row.folder,
      uid: row.uid,
      flags: this.flagLists.get(row.system, row.keywords),
      internalDate: new Date(row.internal_date),
      blobId: row.sha256 as BlobId,
      messageId: row.message_id,
    };
  }
}
