import { fromStoreError, refuse } from '../errors.js';
import { changeTarget } from '../mailboxes.js';
import type { CommandHandler } from './index.js';

/** RFC 3501 §6.3.4: INBOX cannot be deleted; children stay (they are listed under a \Noselect parent). */
export const deleteMailbox: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  if (name === 'INBOX') throw refuse('CANNOT', 'INBOX cannot be deleted');
  const target = changeTarget(session, name, 'x', 'delete this mailbox'); // RFC 4314 §4
  const selected = session.selected?.info;
  if (selected?.account === target.account && selected.name === target.name) session.deselect();
  try {
    session.ctx.store.deleteMailbox(target.account, target.name);
  } catch (err) {
    throw fromStoreError(err);
  }
  return { text: 'DELETE completed' };
};
