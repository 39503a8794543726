import type { AclChange } from '../../directory/index.js';
import { fromDirectoryError, readIdentifier, requireAclTarget, requireAdminister } from '../acl.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 4314 §3.1 SETACL mailbox identifier rights: the rights replace the identifier's, or with a
 * leading "+" / "-" are added or removed. On a unit folder this is `delegate grant|revoke` for
 * the unit (src/directory/acl.ts): the same record, the same audit row, actor the session's
 * person. Rights with no letters left remove the delegation.
 */
export const setacl: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const identifier = readIdentifier(args);
  args.space();
  const text = args.astringText();
  args.end();
  const target = await requireAclTarget(session, name);
  requireAdminister(target);
  const change: AclChange = text.startsWith('+')
    ? { kind: 'add', rights: text.slice(1) }
    : text.startsWith('-')
      ? { kind: 'remove', rights: text.slice(1) }
      : { kind: 'set', rights: text };
  try {
    session.ctx.directory.changeAcl(session.identity!.person, target.location.owner, identifier, change);
  } catch (err) {
    throw fromDirectoryError(err);
  }
  return { text: 'SETACL completed' };
};
