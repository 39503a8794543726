import type { AclChange } from '../../directory/acl.js';
import { administeredMailbox, fromDirectoryError } from './acl.js';
import type { CommandHandler } from './index.js';

/**
 * RFC 4314 §3.1: rights replaced, or added/removed with a leading "+"/"-". The directory writes the
 * same delegation and audit rows as `cantho-mail delegate grant|revoke` (issue 6).
 */
export const setacl: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const identifier = args.astringText();
  args.space();
  const modRights = args.astringText();
  args.end();
  const mailbox = administeredMailbox(session, name);
  const sign = modRights[0];
  const change: AclChange =
    sign === '+' ? { kind: 'add', rights: modRights.slice(1) } : sign === '-' ? { kind: 'remove', rights: modRights.slice(1) } : { kind: 'set', rights: modRights };
  try {
    session.ctx.directory.changeAcl(session.identity!.person, mailbox.account, identifier, change);
  } catch (err) {
    throw fromDirectoryError(err);
  }
  return { text: 'SETACL completed' };
};
