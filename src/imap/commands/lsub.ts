import { MAILBOX_DELIMITER } from '../../store/index.js';
import { parentNames } from '../../store/index.js';
import { compilePatterns } from '../list-pattern.js';
import { atom, type ImapValue } from '../responses.js';
import { notInImap4rev2 } from '../errors.js';
import { compareNames } from './list.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.3.9 LSUB: subscribed names matching the pattern; when "%" stops above a subscribed
 * name, its unsubscribed parent is listed instead, as \Noselect. IMAP4rev2 has no LSUB (RFC 9051
 * Appendix E item 19, §6.3.9.1 SUBSCRIBED).
 */
export const lsub: CommandHandler = async (session, { args }) => {
  if (session.imap4rev2) throw notInImap4rev2('LSUB', 'LIST (SUBSCRIBED)');
  args.space();
  const reference = args.listPattern();
  args.space();
  const pattern = args.listPattern();
  args.end();
  const matches = compilePatterns(reference, [pattern]);
  const subscribed = new Set(await session.ctx.store.listSubscriptions(session.account));
  const names = new Set<string>();
  for (const name of subscribed) {
    if (matches(name)) names.add(name);
    else for (const parent of parentNames(name)) if (!subscribed.has(parent) && matches(parent)) names.add(parent);
  }
  for (const name of [...names].sort(compareNames)) {
    const attributes: ImapValue[] = subscribed.has(name) ? [] : [atom('\\Noselect')];
    session.out.untagged('LSUB', attributes, MAILBOX_DELIMITER, session.wireName(name));
  }
  return { text: 'LSUB completed' };
};
