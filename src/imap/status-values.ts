/**
 * The values of a STATUS response (RFC 3501 §7.2.4), for the STATUS command, LIST RETURN (STATUS)
 * (RFC 5819) and NOTIFY's STATUS notifications (RFC 5465 §5.2): one place that reads the counts.
 */
import type { MailboxInfo, MailStore } from '../store/index.js';
import { atom, type ImapValue } from './responses.js';

/** RFC 3501 §6.3.10 items, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 9051 DELETED. */
export const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'HIGHESTMODSEQ', 'DELETED'] as const;
export type StatusItem = (typeof STATUS_ITEMS)[number];

/** `(ITEM n …)` for `mailbox`, in the order of `items`. */
export async function statusValues(store: MailStore, mailbox: MailboxInfo, items: readonly StatusItem[]): Promise<ImapValue[]> {
  const counts = await store.mailboxCounts(mailbox.id);
  const values: Record<StatusItem, number> = {
    MESSAGES: counts.messages,
    RECENT: counts.recent,
    UIDNEXT: mailbox.uidNext,
    UIDVALIDITY: mailbox.uidValidity,
    UNSEEN: counts.unseen,
    SIZE: counts.size,
    HIGHESTMODSEQ: mailbox.highestModSeq,
    DELETED: counts.deleted,
  };
  const out: ImapValue[] = [];
  for (const item of items) out.push(atom(item), values[item]);
  return out;
}
