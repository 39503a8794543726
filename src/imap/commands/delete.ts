import { fromStoreError, refuse } from '../errors.js';
import type { CommandHandler } from './index.js';

/** RFC 3501 §6.3.4: INBOX cannot be deleted; children stay (they are listed under a \Noselect parent). */
export const deleteMailbox: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  if (name === 'INBOX') throw refuse('CANNOT', 'INBOX cannot be deleted');
  if (session.selected?.info.name === name) session.deselect();
  try {
    session.ctx.store.deleteMailbox(session.account, name);
  } catch (err) {
    throw fromStoreError(err);
  }
  return { text: 'DELETE completed' };
};
