import { recordDelegateAction } from '../delegate-audit.js';
import { fromStoreError, refuse } from '../errors.js';
import { creationTarget, findMailbox, removalTarget } from '../mailboxes.js';
import { hasVisibleChildren, locate, type MailboxLocation } from '../namespaces.js';
import type { Session } from '../session.js';
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
  const source = await renameSource(session, from);
  const target = creationTarget(session, to);
  if (source.owner !== target.owner) throw refuse('CANNOT', 'A mailbox cannot move to another account');
  try {
    await session.ctx.store.renameMailbox(source.owner, source.name, target.name);
  } catch (err) {
    throw fromStoreError(err);
  }
  recordDelegateAction(session, { account: source.owner, name: source.name }, 'rename-mailbox', { extra: { to: target.name } });
  return { text: 'RENAME completed' };
};

/**
 * The mailbox RENAME moves, or a \Noselect name with inferiors the session may list: RFC 9051
 * §6.3.6 renames "all hierarchical inferiors" with the name, and Dovecot renames such a name
 * (test/interop/dovecot-diff.test.ts), which stays \Noselect at its new place. Either needs "x".
 */
async function renameSource(session: Session, name: string): Promise<MailboxLocation> {
  if ((await findMailbox(session, name)) || !(await hasVisibleChildren(session, name))) return (await removalTarget(session, name, 'rename')).location;
  const location = locate(session, name);
  if (!location) throw refuse('NONEXISTENT', 'No such mailbox');
  if (!location.rights.includes('x')) throw refuse('NOPERM', 'You may not rename this mailbox');
  return location;
}
