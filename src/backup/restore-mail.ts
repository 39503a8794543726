import path from 'node:path';
import { BackupMailReader, type AccountId, type BackupMessage, type MailboxId, type MailStore } from '../store/index.js';
import { BackupError } from './errors.js';
import { DATABASE_FILE } from './manifest.js';
import { verifyBackup } from './verify.js';

/**
 * `backup restore-mailbox` and `backup restore-message` (docs/backup.en.md "Restoring a
 * mailbox or a message"): mail copied from a verified backup into the live store, through the
 * MailStore like an IMAP APPEND, so a running server shows it within a second (DESIGN.md "CLI").
 * Invariants:
 * - Flags, keywords and the internal date are those in the backup; UIDs are new ones in the
 *   target folder (RFC 3501 §2.3.1.1: a UID is never reused).
 * - Idempotent: a message is added only when the target folder holds fewer copies of its exact
 *   bytes (SHA-256) than the backup folder did, so a second run adds nothing and a message the
 *   official still has is never doubled.
 */

export interface MailTarget {
  readonly account: AccountId;
  /** Where the backup's folder goes; default: the same name. */
  folderFor(backupFolder: string): string;
}

export interface RestoreMailReport {
  readonly backupTakenAt: string;
  readonly restored: number;
  /** Already in the target folder. */
  readonly skipped: number;
  readonly folders: Readonly<Record<string, { restored: number; skipped: number }>>;
}

type Store = Pick<MailStore, 'getMailbox' | 'createMailbox' | 'listMessages' | 'append'>;

export interface MailboxSelection {
  readonly account: AccountId;
  /** One folder of the account in the backup; default: all of them. */
  readonly folder?: string | undefined;
}

export async function restoreMailbox(store: Store, dir: string, selection: MailboxSelection, target: MailTarget): Promise<RestoreMailReport> {
  return withBackup(dir, async (reader, takenAt) => {
    const folders = reader.folders(selection.account);
    if (folders.length === 0) throw new BackupError(`${dir}: the backup of ${takenAt} holds no mailbox of ${selection.account}`);
    if (selection.folder !== undefined && !folders.includes(selection.folder)) {
      throw new BackupError(`${dir}: ${selection.account} had no folder ${JSON.stringify(selection.folder)} on ${takenAt} (it had: ${folders.join(', ')})`);
    }
    return copyInto(store, reader, reader.messages(selection.account, selection.folder), target, takenAt);
  });
}

export async function restoreMessage(store: Store, dir: string, account: AccountId, messageId: string): Promise<RestoreMailReport> {
  return withBackup(dir, async (reader, takenAt) => {
    const copies = reader.byMessageId(account, messageId);
    if (copies.length === 0) throw new BackupError(`${dir}: no message with Message-ID ${messageId} in the mail of ${account} on ${takenAt}`);
    return copyInto(store, reader, copies, { account, folderFor: (folder) => folder }, takenAt);
  });
}

async function withBackup<T>(dir: string, use: (reader: BackupMailReader, takenAt: string) => Promise<T>): Promise<T> {
  const root = path.resolve(dir);
  const manifest = await verifyBackup(root);
  const reader = new BackupMailReader(path.join(root, DATABASE_FILE));
  try {
    return await use(reader, manifest.startedAt);
  } finally {
    reader.close();
  }
}

async function copyInto(store: Store, reader: BackupMailReader, messages: readonly BackupMessage[], target: MailTarget, takenAt: string): Promise<RestoreMailReport> {
  const folders: Record<string, { restored: number; skipped: number }> = {};
  const present = new Map<MailboxId, Map<string, number>>();
  const wanted = new Map<string, number>();
  let restored = 0;
  let skipped = 0;
  for (const message of messages) {
    const folder = target.folderFor(message.folder);
    const mailbox = (await store.getMailbox(target.account, folder) ?? await store.createMailbox(target.account, folder)).id;
    let copies = present.get(mailbox);
    if (copies === undefined) {
      copies = new Map();
      for (const row of await store.listMessages(mailbox)) copies.set(row.blobId, (copies.get(row.blobId) ?? 0) + 1);
      present.set(mailbox, copies);
    }
    // The n-th copy of these bytes in the backup folder is restored when the target has fewer than n.
    const key = `${mailbox} ${message.blobId}`;
    const occurrence = (wanted.get(key) ?? 0) + 1;
    wanted.set(key, occurrence);
    const count = (folders[folder] ??= { restored: 0, skipped: 0 });
    if ((copies.get(message.blobId) ?? 0) >= occurrence) {
      count.skipped++;
      skipped++;
      continue;
    }
    await store.append(mailbox, reader.raw(message.blobId), { flags: message.flags, internalDate: message.internalDate });
    count.restored++;
    restored++;
  }
  return { backupTakenAt: takenAt, restored, skipped, folders };
}
