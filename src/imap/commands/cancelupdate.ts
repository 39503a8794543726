import { ImapError } from '../errors.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 5267 §4.5 `CANCELUPDATE 1*(SP quoted)`: the live searches started by these tags stop sending
 * updates. A tag that names no live search (never started, refused with NOUPDATE, or ended with its
 * mailbox) is answered NO, as Dovecot does: the command is well-formed, so not BAD (RFC 3501
 * §7.1.3); the other tags named are cancelled all the same.
 */
export const cancelupdate: CommandHandler = (session, { args }) => {
  const selected = session.requireSelected();
  const tags: string[] = [];
  do {
    args.space();
    tags.push(args.string().toString('utf8'));
  } while (!args.atEnd());
  args.end();
  const unknown = tags.filter((tag) => !selected.liveSearches.cancel(tag));
  if (unknown.length > 0) throw new ImapError('NO', null, `No live search with tag ${unknown.map((tag) => JSON.stringify(tag)).join(', ')}`);
  return { text: 'CANCELUPDATE completed' };
};
