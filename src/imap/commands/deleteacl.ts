import { fromDirectoryError, readIdentifier, requireAclTarget, requireAdminister } from '../acl.js';
import type { CommandHandler } from './handler.js';

/** RFC 4314 §3.2 DELETEACL mailbox identifier: on a unit folder, `delegate revoke` for the unit. */
export const deleteacl: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const identifier = readIdentifier(args);
  args.end();
  const target = await requireAclTarget(session, name);
  requireAdminister(target);
  try {
    session.ctx.directory.changeAcl(session.identity!.person, target.location.owner, identifier, { kind: 'delete' });
  } catch (err) {
    throw fromDirectoryError(err);
  }
  return { text: 'DELETEACL completed' };
};
