import type { AccountId, MailboxId, MailboxInfo, ModSeq, SpecialUse, Uid } from './types.js';

/** A `mailboxes` row as selected, in either backend's schema (schema.ts, postgres/schema.ts). */
export interface MailboxRow {
  id: number;
  account: string;
  name: string;
  special_use: string | null;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
}

export const MAILBOX_COLUMNS = 'id, account, name, special_use, uidvalidity, uidnext, highestmodseq';

export function toMailboxInfo(row: MailboxRow): MailboxInfo {
  return {
    id: row.id as MailboxId,
    account: row.account as AccountId,
    name: row.name,
    specialUse: row.special_use as SpecialUse | null,
    uidValidity: row.uidvalidity,
    uidNext: row.uidnext as Uid,
    highestModSeq: row.highestmodseq as ModSeq,
  };
}
