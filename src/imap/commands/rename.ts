import { auditDelegate } from '../delegate-audit.js';
import { fromStoreError, refuse } from '../errors.js';
import { creationTarget, removalTarget } from '../mailboxes.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.3.5: children move with their parent; renaming INBOX moves its messages into a new
 * mailbox and leaves INBOX empty (the store does both in one transaction). RFC 4314 §4: "x" on the
 * old place, "k" on the new, and both in the same account.
 */
export const rename: CommandHandler = async (session, { args }) => {
  args.space();
  const from = args.mailbox();
  args.space();
  const to = args.mailbox();
  args.end();
  if (to === 'INBOX' || to.startsWith('INBOX/')) throw refuse('CANNOT', 'Cannot rename to INBOX');
  if (to === from) throw refuse('ALREADYEXISTS', 'Mailbox already has that name');
  const { location: source, mailbox } = await removalTarget(session, from, 'rename');
  const target = creationTarget(session, to);
  if (source.owner !== target.owner) throw refuse('CANNOT', 'A mailbox cannot move to another account');
  try {
    await session.ctx.store.renameMailbox(source.owner, source.name, target.name);
  } catch (err) {
    throw fromStoreError(err);
  }
  await auditDelegate(session, mailbox, 'rename-mailbox', { extra: { to: target.name } });
  return { text: 'RENAME completed' };
};
