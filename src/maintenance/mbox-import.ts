import type { MailStore } from '../store/index.js';
import type { ImportLedger, ImportMessage } from '../store/index.js';
import type { AccountId, MailboxId } from '../store/index.js';
import type { MboxEntry, MboxProblem } from '../mime/index.js';
import { takeMetadata } from './mbox-headers.js';

/**
 * `cantho-mail import <addr> --mbox FILE [--folder NAME]` (docs/architecture.md "Retention and migration"): mail from the old system.
 * Each message goes to `--folder`, else the folder its `X-Folder:` names (our export), else
 * INBOX; flags come from `Status:`/`X-Status:`/`X-Keywords:`; the internal date from the `From `
 * line. Idempotent and resumable through the ledger (src/store/mbox.ts; on PostgreSQL postgres/mbox-import.ts): messages are stored and
 * recorded in the same transaction, a batch at a time, so a second run, or one after a crash or
 * after the file was repaired, imports only what is not in yet. A broken `From ` line or a truncated last message
 * stops the import there (what came before stays imported) and is reported in `stoppedAt`.
 */

/** Messages per transaction: one fsync for many, and a crash loses at most this much work (re-done on the next run). */
const BATCH_MESSAGES = 200;
const BATCH_BYTES = 16 * 1024 * 1024;

export interface ImportReport {
  readonly account: AccountId;
  readonly imported: number;
  /** Already imported by an earlier run. */
  readonly skipped: number;
  readonly folders: Readonly<Record<string, { imported: number; skipped: number }>>;
  /** Where and why reading stopped before the end of the file; null when the whole file was read. */
  readonly stoppedAt: MboxProblem | null;
}

export async function importMbox(
  store: Pick<MailStore, 'getMailbox' | 'createMailbox'>,
  ledger: ImportLedger,
  account: AccountId,
  entries: AsyncIterable<MboxEntry> | Iterable<MboxEntry>,
  options: { readonly folder?: string | undefined } = {},
): Promise<ImportReport> {
  const folders: Record<string, { imported: number; skipped: number }> = {};
  let imported = 0;
  let skipped = 0;
  let batch: Array<ImportMessage & { folder: string }> = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    (await ledger.appendOnce(batch)).forEach((outcome, index) => {
      const count = (folders[batch[index]!.folder] ??= { imported: 0, skipped: 0 });
      if (outcome.imported) {
        count.imported++;
        imported++;
      } else {
        count.skipped++;
        skipped++;
      }
    });
    batch = [];
    batchBytes = 0;
  };
  for await (const entry of entries) {
    if (entry.kind !== 'message') {
      await flush();
      return { account, imported, skipped, folders, stoppedAt: entry };
    }
    const { message, metadata } = takeMetadata(entry.raw);
    const folder = options.folder ?? metadata.folder ?? 'INBOX';
    batch.push({ folder, mailbox: await mailboxFor(store, account, folder), raw: message, flags: metadata.flags, internalDate: entry.date });
    batchBytes += message.length;
    if (batch.length >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) await flush();
  }
  await flush();
  return { account, imported, skipped, folders, stoppedAt: null };
}

/** The folder, created (with its parents) when the old system had it and we do not. */
async function mailboxFor(store: Pick<MailStore, 'getMailbox' | 'createMailbox'>, account: AccountId, name: string): Promise<MailboxId> {
  return (await store.getMailbox(account, name) ?? await store.createMailbox(account, name)).id;
}
