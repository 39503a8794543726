import { refuse } from '../errors.js';
import { requireMailbox } from '../mailboxes.js';
import { astring } from '../responses.js';
import { rightsOn } from '../shared.js';
import type { CommandHandler } from './index.js';

/** RFC 4314 §3.5 (and §4: any of l, r, i, k, x or a lets a user ask). */
export const myrights: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  const mailbox = requireMailbox(session, name);
  const rights = rightsOn(session, mailbox.account);
  if (!/[lrikxa]/.test(rights)) throw refuse('NONEXISTENT', 'No such mailbox');
  session.out.untagged('MYRIGHTS', session.mailboxName(mailbox), astring(rights));
  return { text: 'MYRIGHTS completed' };
};
