import { requireAclTarget, requireAdminister } from '../acl.js';
import { wireNameOf } from '../namespaces.js';
import { astring, type ImapValue } from '../responses.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 4314 §3.3 GETACL: `* ACL mailbox (identifier rights)*`. A unit folder's ACL is the unit's:
 * its head with every right, then its delegates; a personal folder's is its owner alone.
 */
export const getacl: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  const target = await requireAclTarget(session, name);
  requireAdminister(target);
  const entries: ImapValue[] = [];
  for (const entry of session.ctx.directory.acl(target.location.owner)) entries.push(astring(entry.identifier), astring(entry.rights));
  session.out.untagged('ACL', session.wireName(wireNameOf(session, target.mailbox)), ...entries);
  return { text: 'GETACL completed' };
};
