import { auditDelegate, isDelegateMailbox, messageRefs } from '../delegate-audit.js';
import { hasRight } from '../mailboxes.js';
import type { CommandHandler } from './index.js';

/**
 * RFC 3501 §6.4.2: expunges \Deleted messages when the mailbox is read-write, silently (no EXPUNGE
 * responses), and returns to the authenticated state. RFC 4314 §4: without "e" it only closes.
 */
export const close: CommandHandler = (session, { args }) => {
  args.end();
  const selected = session.requireSelected();
  session.deselect();
  if (selected.readOnly || !hasRight(session, 'e', selected.info)) return { text: 'CLOSE completed' };
  const store = session.ctx.store;
  // Issue 6: what a delegate's CLOSE removes is on record; read the references while they exist.
  const delegate = isDelegateMailbox(session, selected.info);
  const doomed = delegate ? store.listMessages(selected.info.id).filter((r) => r.flags.includes('\\Deleted')).map((r) => r.uid) : [];
  const messages = messageRefs(session, selected.info, doomed);
  const expunged = store.expunge(selected.info.id);
  if (delegate && expunged.length > 0) auditDelegate(session, selected.info, 'expunge', { messages });
  return { text: 'CLOSE completed' };
};
