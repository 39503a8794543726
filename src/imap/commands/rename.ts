import { fromStoreError, refuse } from '../errors.js';
import { changeTarget } from '../mailboxes.js';
import type { CommandHandler } from './index.js';

/**
 * RFC 3501 §6.3.5: children move with their parent; renaming INBOX moves its messages into a new
 * mailbox and leaves INBOX empty (the store does both in one transaction).
 */
export const rename: CommandHandler = (session, { args }) => {
  args.space();
  const from = args.mailbox();
  args.space();
  const to = args.mailbox();
  args.end();
  if (to === 'INBOX' || to.startsWith('INBOX/')) throw refuse('CANNOT', 'Cannot rename to INBOX');
  if (to === from) throw refuse('ALREADYEXISTS', 'Mailbox already has that name');
  const source = changeTarget(session, from, 'x', 'rename this mailbox'); // RFC 4314 §4
  const target = changeTarget(session, to, 'k', 'create mailboxes');
  if (source.account !== target.account) throw refuse('CANNOT', 'A mailbox cannot move to another account');
  try {
    session.ctx.store.renameMailbox(source.account, source.name, target.name);
  } catch (err) {
    throw fromStoreError(err);
  }
  return { text: 'RENAME completed' };
};
