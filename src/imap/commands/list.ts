import { MAILBOX_DELIMITER } from '../../store/index.js';
import { ImapError } from '../errors.js';
import { parentNames } from '../../store/index.js';
import { compilePatterns } from '../list-pattern.js';
import { hasRight } from '../mailboxes.js';
import { visibleMailboxes } from '../namespaces.js';
import { atom, type ImapValue } from '../responses.js';
import { readStatusItems, writeStatus, type StatusItem } from './status.js';
import type { CommandHandler } from './handler.js';

/** RFC 5258 §3.1 selection options (REMOTE has no meaning here: every mailbox is local). */
const SELECTION = ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'] as const;

interface ListRequest {
  readonly selectSubscribed: boolean;
  readonly recursiveMatch: boolean;
  readonly selectSpecialUse: boolean;
  readonly returnSubscribed: boolean;
  readonly statusItems: readonly StatusItem[] | null;
}

/**
 * RFC 3501 §6.3.8 LIST with RFC 5258 LIST-EXTENDED (selection and return options, multiple
 * patterns), RFC 3348 CHILDREN and RFC 6154 SPECIAL-USE attributes (always sent), and RFC 5819
 * LIST-STATUS. A missing parent of an existing mailbox is listed as \Noselect \HasChildren
 * (\NonExistent under SUBSCRIBED selection), so clients can walk the tree with "%"; that is how
 * the shared namespace's "Shared" and "Shared/<unit>" levels appear above the units' mailboxes.
 */
export const list: CommandHandler = async (session, { args }) => {
  args.space();
  let selection: string[] = [];
  if (args.peek() === 0x28) {
    selection = args.list(() => {
      const option = args.keyword();
      if (!SELECTION.some((s) => s === option)) throw args.error(`unknown LIST selection option ${option.slice(0, 20)}`);
      return option;
    });
    args.space();
  }
  const reference = args.listPattern();
  args.space();
  const patterns = args.peek() === 0x28 ? args.list(() => args.listPattern(), false) : [args.listPattern()];
  let returnSubscribed = false;
  let statusItems: StatusItem[] | null = null;
  if (!args.atEnd()) {
    args.space();
    args.expect('RETURN ');
    args.list(() => {
      const option = args.keyword();
      if (option === 'SUBSCRIBED') returnSubscribed = true;
      else if (option === 'STATUS') {
        args.space();
        statusItems = readStatusItems(args, session.imap4rev2);
      } else if (option !== 'CHILDREN' && option !== 'SPECIAL-USE') throw args.error(`unknown LIST return option ${option.slice(0, 20)}`);
      return option;
    });
  }
  args.end();
  const request: ListRequest = {
    selectSubscribed: selection.includes('SUBSCRIBED'),
    recursiveMatch: selection.includes('RECURSIVEMATCH'),
    selectSpecialUse: selection.includes('SPECIAL-USE'),
    returnSubscribed,
    statusItems,
  };
  // RFC 5258 §3.1: RECURSIVEMATCH needs another selection option to modify.
  if (request.recursiveMatch && !request.selectSubscribed && !request.selectSpecialUse) throw new ImapError('BAD', null, 'RECURSIVEMATCH needs SUBSCRIBED');

  if (patterns.length === 1 && patterns[0] === '') {
    // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root.
    session.out.untagged('LIST', [atom('\\Noselect')], MAILBOX_DELIMITER, '');
    return { text: 'LIST completed' };
  }

  const store = session.ctx.store;
  // By the name the client sees: its own mailboxes, then the units' under the shared prefix.
  const mailboxes = await visibleMailboxes(session);
  const subscribed = new Set(await store.listSubscriptions(session.account));
  const matches = compilePatterns(reference, patterns);

  // Names with an existing child, and parents that exist only because they have children.
  const hasChildren = new Set<string>();
  for (const name of mailboxes.keys()) for (const parent of parentNames(name)) hasChildren.add(parent);
  const universe = new Set<string>([...mailboxes.keys(), ...hasChildren]);
  if (request.selectSubscribed) for (const name of subscribed) universe.add(name);
  // RECURSIVEMATCH (RFC 5258 §3.5, example 9): CHILDINFO goes to a mailbox that matches the
  // pattern and has a subscribed descendant that the pattern does not return — subscribed itself
  // or not; a parent whose subscribed descendants are all listed gets none (and, unsubscribed, is
  // not listed).
  const unlistedSubscribedBelow = new Set<string>();
  if (request.recursiveMatch) {
    for (const name of subscribed) if (!matches(name)) for (const parent of parentNames(name)) unlistedSubscribedBelow.add(parent);
  }

  for (const name of [...universe].sort(compareNames)) {
    if (!matches(name)) continue;
    const mailbox = mailboxes.get(name);
    const isSubscribed = subscribed.has(name);
    const childInfo = request.selectSubscribed && unlistedSubscribedBelow.has(name);
    if (request.selectSubscribed && !isSubscribed && !childInfo) continue;
    // A unit's \Sent is not the delegate's: clients would file their own mail there.
    const specialUse = mailbox?.account === session.account ? mailbox.specialUse : null;
    if (request.selectSpecialUse && !specialUse) continue;
    // RFC 5819 §2 (RFC 9051 §6.3.9): a mailbox listed ("l") but not readable ("r", RFC 4314 §4)
    // cannot be selected, so STATUS asked for with LIST is not returned and the LIST line says \Noselect.
    const statusRefused = request.statusItems !== null && mailbox !== undefined && !hasRight(session, 'r', mailbox);
    const attributes: ImapValue[] = [];
    if (!mailbox) attributes.push(atom(hasChildren.has(name) && !request.selectSubscribed ? '\\Noselect' : '\\NonExistent'));
    else if (statusRefused) attributes.push(atom('\\Noselect'));
    attributes.push(atom(hasChildren.has(name) ? '\\HasChildren' : '\\HasNoChildren'));
    if ((request.selectSubscribed || request.returnSubscribed) && isSubscribed) attributes.push(atom('\\Subscribed'));
    if (specialUse) attributes.push(atom(specialUse));
    const line: ImapValue[] = [attributes, MAILBOX_DELIMITER, session.wireName(name)];
    // RFC 5258 §9: childinfo-extended-item takes list-select-base-opt-quoted, so "SUBSCRIBED" is quoted.
    if (childInfo) line.push([atom('CHILDINFO'), ['SUBSCRIBED']]);
    session.out.untagged('LIST', ...line);
    // RFC 5819 §2: STATUS follows the LIST line of each selectable mailbox.
    if (request.statusItems && mailbox && !statusRefused) await writeStatus(session, mailbox, request.statusItems);
  }
  return { text: 'LIST completed' };
};

/** INBOX first, then by name, as clients show them. */
export function compareNames(a: string, b: string): number {
  const ai = a === 'INBOX' || a.startsWith('INBOX/');
  const bi = b === 'INBOX' || b.startsWith('INBOX/');
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
