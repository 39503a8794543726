/**
 * RFC 5465 §3.1 and §8: the arguments of NOTIFY, read into a NotifyRequest.
 *
 *   notify          = "NOTIFY" SP (notify-set / notify-none)
 *   notify-set      = "SET" [SP "STATUS"] SP event-group *(SP event-group)
 *   event-group     = "(" filter-mailboxes SP events ")"
 *   filter-mailboxes = "selected" / "selected-delayed" / "inboxes" / "personal" / "subscribed" /
 *                      ("subtree" SP one-or-more-mailbox) / ("mailboxes" SP one-or-more-mailbox)
 *   events          = ("(" event *(SP event) ")") / "NONE"
 *   event           = ("MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]) / "MessageExpunge" /
 *                     "FlagChange" / "AnnotationChange" / "MailboxName" / "SubscriptionChange" /
 *                     "MailboxMetadataChange" / "ServerMetadataChange" / atom
 *
 * Grammar and the composition rules of §5 and §6.1 are BAD; an event we do not send (annotations
 * and METADATA are not implemented here, or an extension's atom) is `NO [BADEVENT (…)]` naming
 * those we do (§3.1), checked only once the whole command has parsed.
 */
import { parseFetchAttList, type FetchRequest } from '../fetch/items.js';
import { ImapError } from '../errors.js';
import type { ArgReader } from '../parser.js';

export const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange'] as const;
export const MAILBOX_EVENTS = ['MailboxName', 'SubscriptionChange'] as const;
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];
export type MailboxEvent = (typeof MAILBOX_EVENTS)[number];
export type NotifyEvent = MessageEvent | MailboxEvent;

/** §5: message events the grammar names besides ours; §5.1 allows them in a selected group. */
const OTHER_MESSAGE_EVENTS = ['AnnotationChange'];

export type MailboxFilter =
  | { readonly kind: 'inboxes' | 'personal' | 'subscribed' }
  | { readonly kind: 'subtree' | 'mailboxes'; readonly names: readonly string[] };

export interface EventGroup {
  readonly filter: MailboxFilter;
  readonly events: ReadonlySet<NotifyEvent>;
}

/** §6.1: what the client asked for about the selected mailbox. */
export interface SelectedEvents {
  /** SELECTED-DELAYED: EXPUNGE waits for a command that allows it (RFC 3501 §7.4.1). */
  readonly delayed: boolean;
  readonly events: ReadonlySet<MessageEvent>;
  /** §5.2: the FETCH attributes sent with each new message, or null for EXISTS alone. */
  readonly fetch: FetchRequest | null;
}

export interface NotifyRequest {
  /** §3.1 STATUS indicator: a STATUS response now for every mailbox the message events cover. */
  readonly status: boolean;
  /** Null: none, the same as `(SELECTED NONE)` (§3.1). */
  readonly selected: SelectedEvents | null;
  readonly groups: readonly EventGroup[];
}

/** After `NOTIFY SP`: a NotifyRequest for SET, null for NONE. */
export function readNotify(args: ArgReader): NotifyRequest | null {
  const form = args.keyword();
  if (form === 'NONE') {
    args.end();
    return null;
  }
  if (form !== 'SET') throw args.error('expected SET or NONE');
  args.space();
  const status = args.take('STATUS ');
  const unsupported = new Set<string>();
  let selected: SelectedEvents | null = null;
  let sawSelected = false;
  const groups: EventGroup[] = [];
  for (;;) {
    args.expect('(');
    const filter = args.keyword();
    args.space();
    if (filter === 'SELECTED' || filter === 'SELECTED-DELAYED') {
      // §6.1: only one of them in a command.
      if (sawSelected) throw args.error('SELECTED and SELECTED-DELAYED may be given once');
      sawSelected = true;
      const events = readEvents(args, unsupported);
      // §6.1: only message events go with the selected mailbox.
      if (events.names.some((name) => !isMessageEvent(name) && !OTHER_MESSAGE_EVENTS.includes(name))) throw args.error('only message events apply to SELECTED');
      const messageEvents = new Set(events.names.filter(isMessageEvent));
      if (messageEvents.size > 0) selected = { delayed: filter === 'SELECTED-DELAYED', events: messageEvents, fetch: events.fetch };
    } else {
      const mailboxFilter = readFilter(filter, args);
      const events = readEvents(args, unsupported);
      const known = new Set(events.names.filter((name): name is NotifyEvent => isMessageEvent(name) || isMailboxEvent(name)));
      if (known.size > 0) groups.push({ filter: mailboxFilter, events: known });
    }
    args.expect(')');
    if (args.atEnd()) break;
    args.space();
  }
  if (unsupported.size > 0) {
    throw new ImapError('NO', `BADEVENT (${[...MESSAGE_EVENTS, ...MAILBOX_EVENTS].join(' ')})`, `Not supported: ${[...unsupported].join(' ').slice(0, 100)}`);
  }
  return { status, selected, groups };
}

function readFilter(name: string, args: ArgReader): MailboxFilter {
  switch (name) {
    case 'INBOXES':
      return { kind: 'inboxes' };
    case 'PERSONAL':
      return { kind: 'personal' };
    case 'SUBSCRIBED':
      return { kind: 'subscribed' };
    case 'SUBTREE':
    case 'MAILBOXES': {
      // one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"; §6.6: no wildcard expansion.
      const names = args.peek() === 0x28 ? args.list(() => args.mailbox(), false) : [args.mailbox()];
      args.space();
      return { kind: name === 'SUBTREE' ? 'subtree' : 'mailboxes', names };
    }
    default:
      throw args.error(`unknown mailbox filter ${name.slice(0, 30)}`);
  }
}

interface EventList {
  readonly names: readonly string[];
  readonly fetch: FetchRequest | null;
}

/** `events` of one group; atoms we do not send go to `unsupported`; the §5 pairing rules are checked here. */
function readEvents(args: ArgReader, unsupported: Set<string>): EventList {
  if (args.take('NONE')) return { names: [], fetch: null };
  const names: string[] = [];
  let fetch: FetchRequest | null = null;
  args.list(() => {
    const name = canonicalEvent(args.atom());
    names.push(name);
    if (name === 'MessageNew' && args.peekText(' (')) {
      args.space();
      fetch = parseFetchAttList(args);
    }
    if (!isMessageEvent(name) && !isMailboxEvent(name)) unsupported.add(name);
  }, false);
  const has = (name: string): boolean => names.includes(name);
  // §5: MessageNew and MessageExpunge go together; FlagChange and AnnotationChange need both.
  if (has('MessageNew') !== has('MessageExpunge')) throw args.error('MessageNew and MessageExpunge must be given together');
  if ((has('FlagChange') || has('AnnotationChange')) && !has('MessageNew')) throw args.error('FlagChange and AnnotationChange need MessageNew and MessageExpunge');
  return { names, fetch };
}

/** §8: event names are case-insensitive; ours are spelled as the RFC spells them. */
function canonicalEvent(atom: string): string {
  const upper = atom.toUpperCase();
  return [...MESSAGE_EVENTS, ...MAILBOX_EVENTS, ...OTHER_MESSAGE_EVENTS].find((name) => name.toUpperCase() === upper) ?? atom;
}

function isMessageEvent(name: string): name is MessageEvent {
  return (MESSAGE_EVENTS as readonly string[]).includes(name);
}

function isMailboxEvent(name: string): name is MailboxEvent {
  return (MAILBOX_EVENTS as readonly string[]).includes(name);
}
