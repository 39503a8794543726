import { astring, type ImapValue } from '../responses.js';
import { administeredMailbox } from './acl.js';
import type { CommandHandler } from './index.js';

/** RFC 4314 §3.3: `* ACL mailbox identifier rights …`. */
export const getacl: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  const mailbox = administeredMailbox(session, name);
  const entries: ImapValue[] = [];
  for (const entry of session.ctx.directory.acl(mailbox.account)) entries.push(astring(entry.identifier), astring(entry.rights));
  session.out.untagged('ACL', session.mailboxName(mailbox), ...entries);
  return { text: 'GETACL completed' };
};
