import { ALL_RIGHTS } from '../../directory/index.js';
import { readIdentifier, requireAclTarget, requireAdminister } from '../acl.js';
import { wireNameOf } from '../namespaces.js';
import { astring, type ImapValue } from '../responses.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 4314 §3.4 LISTRIGHTS mailbox identifier: `* LISTRIGHTS mailbox identifier required
 * optional…`. The owner of personal folders and the head of a unit always hold every right
 * (required); anyone else may be given each right on its own (no rights are tied together).
 */
export const listrights: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  const identifier = readIdentifier(args);
  args.end();
  const target = await requireAclTarget(session, name);
  requireAdminister(target);
  const always = session.ctx.directory
    .acl(target.location.owner)
    .some((entry) => entry.rights === ALL_RIGHTS && sameOfficial(entry.identifier, identifier, session.ctx.config.server.domain));
  const rights: ImapValue[] = always ? [astring(ALL_RIGHTS)] : ['', ...[...ALL_RIGHTS].map((r) => astring(r))];
  session.out.untagged('LISTRIGHTS', session.wireName(wireNameOf(session, target.mailbox)), astring(identifier), ...rights);
  return { text: 'LISTRIGHTS completed' };
};

/** `annv` and `annv@cantho.gov.vn` name the same official. */
function sameOfficial(address: string, identifier: string, domain: string): boolean {
  const lower = identifier.toLowerCase();
  return address === lower || address === `${lower}@${domain}`;
}
