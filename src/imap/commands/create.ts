import { MAILBOX_DELIMITER } from '../../store/index.js';
import { auditDelegate } from '../delegate-audit.js';
import { fromStoreError, refuse } from '../errors.js';
import { creationTarget } from '../mailboxes.js';
import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.3.3: a trailing delimiter only declares intent to have children; parents are created too. */
export const create: CommandHandler = (session, { args }) => {
  args.space();
  let name = args.mailbox();
  args.end();
  while (name.endsWith(MAILBOX_DELIMITER)) name = name.slice(0, -1);
  if (name === '') throw refuse('CANNOT', 'Mailbox name is empty');
  if (name === 'INBOX') throw refuse('ALREADYEXISTS', 'INBOX always exists');
  const target = creationTarget(session, name);
  try {
    auditDelegate(session, session.ctx.store.createMailbox(target.owner, target.name), 'create-mailbox');
  } catch (err) {
    throw fromStoreError(err);
  }
  return { text: 'CREATE completed' };
};
