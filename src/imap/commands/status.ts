import type { MailboxInfo } from '../../store/index.js';
import { requireMailbox, requireRight } from '../mailboxes.js';
import type { ArgReader } from '../parser.js';
import type { Session } from '../session.js';
import { STATUS_ITEMS, statusValues, type StatusItem } from '../status-values.js';
import { notInImap4rev2 } from '../errors.js';
import type { CommandHandler } from './handler.js';

export type { StatusItem } from '../status-values.js';

/**
 * "(" status-att *(SP status-att) ")" — shared with LIST RETURN (STATUS (…)), RFC 5819.
 * RFC 9051 §6.3.11 has no RECENT (Appendix E item 12): not an IMAP4rev2 item.
 */
export function readStatusItems(args: ArgReader, imap4rev2: boolean): StatusItem[] {
  return args.list(() => {
    const item = args.keyword();
    const known = STATUS_ITEMS.find((i) => i === item);
    if (!known) throw args.error(`unknown STATUS item ${item.slice(0, 20)}`);
    if (imap4rev2 && known === 'RECENT') throw notInImap4rev2('STATUS RECENT', 'UIDNEXT');
    return known;
  }, false);
}

/** `* STATUS name (ITEM n …)`. Asking for HIGHESTMODSEQ enables CONDSTORE (RFC 7162 §3.1). */
export async function writeStatus(session: Session, mailbox: MailboxInfo, items: readonly StatusItem[]): Promise<void> {
  if (items.includes('HIGHESTMODSEQ')) session.enableCondstore();
  session.out.untagged('STATUS', session.mailboxName(mailbox), await statusValues(session.ctx.store, mailbox, items));
}

export const status: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const items = readStatusItems(args, session.imap4rev2);
  args.end();
  const mailbox = await requireMailbox(session, name);
  requireRight(session, 'r', 'read the status of this mailbox', mailbox); // RFC 4314 §4
  await writeStatus(session, mailbox, items);
  return { text: 'STATUS completed' };
};
