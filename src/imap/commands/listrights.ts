import { ALL_RIGHTS } from '../../directory/types.js';
import { astring, atom } from '../responses.js';
import { administeredMailbox } from './acl.js';
import type { CommandHandler } from './index.js';

/**
 * RFC 4314 §3.4: the account's owner always holds every right; anyone else may be given any
 * right on its own, so each letter is a separate optional group.
 */
export const listrights: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const identifier = args.astringText();
  args.end();
  const mailbox = administeredMailbox(session, name);
  const isOwner = identifier.toLowerCase() === mailbox.account || `${identifier.toLowerCase()}@${session.ctx.config.server.domain}` === mailbox.account;
  const groups = isOwner ? [astring(ALL_RIGHTS)] : ['""', ...ALL_RIGHTS].map((r) => atom(r));
  session.out.untagged('LISTRIGHTS', session.mailboxName(mailbox), astring(identifier), ...groups);
  return { text: 'LISTRIGHTS completed' };
};
