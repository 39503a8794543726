import { administeredMailbox, fromDirectoryError } from './acl.js';
import type { CommandHandler } from './index.js';

/** RFC 4314 §3.2: removes the identifier's entry (the delegation ends, on record). */
export const deleteacl: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const identifier = args.astringText();
  args.end();
  const mailbox = administeredMailbox(session, name);
  try {
    session.ctx.directory.changeAcl(session.identity!.person, mailbox.account, identifier, { kind: 'delete' });
  } catch (err) {
    throw fromDirectoryError(err);
  }
  return { text: 'DELETEACL completed' };
};
