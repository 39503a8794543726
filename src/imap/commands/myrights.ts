import { requireAclTarget } from '../acl.js';
import { wireNameOf } from '../namespaces.js';
import { astring } from '../responses.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 4314 §3.5 MYRIGHTS: `* MYRIGHTS mailbox rights`. §4 allows it with any of "l r i k x a";
 * a mailbox found through the namespaces is one the person holds "l" or "r" on.
 */
export const myrights: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  const target = await requireAclTarget(session, name);
  session.out.untagged('MYRIGHTS', session.wireName(wireNameOf(session, target.mailbox)), astring(target.location.rights));
  return { text: 'MYRIGHTS completed' };
};
