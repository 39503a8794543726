import { MAILBOX_DELIMITER } from '../../store/types.js';
import { fromStoreError, refuse } from '../errors.js';
import type { CommandHandler } from './index.js';

/** RFC 3501 §6.3.3: a trailing delimiter only declares intent to have children; parents are created too. */
export const create: CommandHandler = (session, { args }) => {
  args.space();
  let name = args.mailbox();
  args.end();
  while (name.endsWith(MAILBOX_DELIMITER)) name = name.slice(0, -1);
  if (name === '') throw refuse('CANNOT', 'Mailbox name is empty');
  if (name === 'INBOX') throw refuse('ALREADYEXISTS', 'INBOX always exists');
  try {
    session.ctx.store.createMailbox(session.account, name);
  } catch (err) {
    throw fromStoreError(err);
  }
  return { text: 'CREATE completed' };
};
