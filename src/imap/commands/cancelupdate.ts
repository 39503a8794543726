import { ImapError } from '../errors.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 5267 §4.5 `CANCELUPDATE 1*(SP quoted)`: the live searches started by these tags stop sending
 * updates. A tag that names no live search is a client error (BAD, as Dovecot answers), and then
 * none of the named searches is cancelled.
 */
export const cancelupdate: CommandHandler = (session, { args }) => {
  const selected = session.requireSelected();
  const tags: string[] = [];
  do {
    args.space();
    tags.push(args.string().toString('utf8'));
  } while (!args.atEnd());
  args.end();
  const unknown = tags.find((tag) => !selected.liveSearches.isLive(tag));
  if (unknown !== undefined) throw new ImapError('BAD', null, `No search to cancel with tag ${JSON.stringify(unknown)}`);
  for (const tag of tags) selected.liveSearches.cancel(tag);
  return { text: 'CANCELUPDATE completed' };
};
