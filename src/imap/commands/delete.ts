import { auditDelegate } from '../delegate-audit.js';
import { fromStoreError, refuse } from '../errors.js';
import { removalTarget } from '../mailboxes.js';
import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.3.4: INBOX cannot be deleted; the store refuses a mailbox that still has children. */
export const deleteMailbox: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  if (name === 'INBOX') throw refuse('CANNOT', 'INBOX cannot be deleted');
  const { location, mailbox } = removalTarget(session, name, 'delete');
  if (session.selected?.info.id === mailbox.id) session.deselect();
  try {
    session.ctx.store.deleteMailbox(location.owner, location.name);
  } catch (err) {
    throw fromStoreError(err);
  }
  auditDelegate(session, mailbox, 'delete-mailbox');
  return { text: 'DELETE completed' };
};
