import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import type { MailStore } from '../store/index.js';
import type { AccountId, Envelope, Uid } from '../store/index.js';
import { formatMboxMessage } from '../mime/index.js';
import { putMetadata } from './mbox-headers.js';

/**
 * `cantho-mail export <addr> --mbox FILE` (docs/architecture.md "Retention and migration"): every folder of the account into ONE mbox
 * file, folder by folder in name order and each in UID order; each message carries `X-Folder:`
 * with its folder and `Status:`/`X-Status:`/`X-Keywords:` with its flags (mbox-headers.ts), and
 * its internal date in the `From ` line. One file rather than one per folder, so that what an
 * official takes away, or what `import` reads back, is a single file whatever the folder names.
 * The file appears complete or not at all: written to FILE.partial, fsynced, then renamed.
 */

export interface ExportReport {
  readonly account: AccountId;
  readonly file: string;
  readonly messages: number;
  readonly folders: ReadonlyArray<{ readonly name: string; readonly messages: number }>;
}

/** Messages whose meta (for the `From ` line's sender) is read at once: bounds memory for a big folder. */
const META_BATCH = 500;

export async function exportMbox(store: Pick<MailStore, 'listMailboxes' | 'listMessages' | 'getMessageMeta' | 'readBlob'>, account: AccountId, file: string): Promise<ExportReport> {
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  const folders: Array<{ name: string; messages: number }> = [];
  try {
    for (const mailbox of await store.listMailboxes(account)) {
      const rows = await store.listMessages(mailbox.id);
      for (let i = 0; i < rows.length; i += META_BATCH) {
        const batch = rows.slice(i, i + META_BATCH);
        const senders = new Map((await store.getMessageMeta(mailbox.id, batch.map((r) => r.uid))).map((m) => [m.uid, senderOf(m.envelope)]));
        for (const row of batch) {
          const raw = putMetadata(await store.readBlob(row.blobId), mailbox.name, row.flags);
          writeSync(fd, formatMboxMessage(raw, senders.get(row.uid as Uid) ?? 'MAILER-DAEMON', row.internalDate));
        }
      }
      folders.push({ name: mailbox.name, messages: rows.length });
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return { account, file, messages: folders.reduce((sum, f) => sum + f.messages, 0), folders };
}

/** RFC 4155: the `From ` line names the sender, an address without spaces. */
function senderOf(envelope: Envelope): string {
  const from = envelope.from?.[0];
  const address = from?.mailbox && from.host ? `${from.mailbox}@${from.host}` : '';
  return /^[\x21-\x7e]+$/.test(address) ? address : 'MAILER-DAEMON';
}
