import type { DiligenceUnit } from '../directory/index.js';
import type { EnvelopeAddress, MailboxId, MailStore, MessageRow, Uid } from '../store/index.js';
import { decodeEncodedWords } from '../text/index.js';
import { ASSIGNED_KEYWORD, HANDLED_KEYWORD } from './unit-keywords.js';

/**
 * A unit INBOX as the people answering for it see it (Điều 9.2; docs/architecture.md "Unit
 * mailboxes"): each message with its sender, subject and state. One reading for the reminders,
 * the digest and the web page, so the three never disagree on what "unread" means.
 *
 * A message counts as read when anyone who answers for the unit has seen it: the team's \Seen on
 * the row (seen mode 'shared', or a `unit*person` login), or the private \Seen of the head or of a
 * delegate (seen mode 'private'). A message passed on (`$Assigned`) or marked handled
 * (`$Handled`) is no longer waiting, read or not: someone has acted on it.
 */

export type UnitMessageState = 'unread' | 'read' | 'assigned' | 'handled';

export interface UnitInboxMessage {
  readonly uid: Uid;
  readonly internalDate: Date;
  /** "Name <address>", or the address alone. */
  readonly from: string;
  readonly subject: string;
  /** The most advanced state: handled, else assigned, else read or unread. */
  readonly state: UnitMessageState;
}

export interface UnitInbox {
  readonly mailbox: MailboxId;
  /** In UID order; messages flagged \Deleted are left out (on their way out). */
  readonly messages: readonly UnitInboxMessage[];
}

export type UnitInboxStore = Pick<MailStore, 'getMailbox' | 'listMessages' | 'getMessageMeta' | 'privateSeen'>;

/** What a caller reads: the last `rows` messages (the web page), and/or those `wanted` keeps (reminders, digest). */
export interface UnitInboxQuery {
  readonly rows?: number;
  /** Chosen before any envelope is read, so a large INBOX costs only its rows' flags. */
  readonly wanted?: (message: Pick<UnitInboxMessage, 'uid' | 'internalDate' | 'state'>) => boolean;
}

/** The unit's INBOX, or null when its account has none yet. */
export async function readUnitInbox(store: UnitInboxStore, unit: Pick<DiligenceUnit, 'address' | 'keepers'>, query: UnitInboxQuery = {}): Promise<UnitInbox | null> {
  const inbox = await store.getMailbox(unit.address, 'INBOX');
  if (inbox === null) return null;
  const seenByKeepers = new Set<Uid>();
  for (const keeper of unit.keepers) for (const uid of await store.privateSeen(inbox.id, keeper)) seenByKeepers.add(uid);
  const all = (await store
    .listMessages(inbox.id))
    .filter((row) => !hasFlag(row, '\\Deleted'))
    .map((row) => ({ uid: row.uid, internalDate: row.internalDate, state: stateOf(row, seenByKeepers.has(row.uid)) }));
  const recent = query.rows === undefined ? all : all.slice(-query.rows);
  const listed = query.wanted ? recent.filter(query.wanted) : recent;
  const envelopes = new Map((await store.getMessageMeta(inbox.id, listed.map((row) => row.uid))).map((meta) => [meta.uid, meta.envelope]));
  return {
    mailbox: inbox.id,
    messages: listed.map((row) => {
      const envelope = envelopes.get(row.uid);
      return {
        ...row,
        from: formatSender(envelope?.from?.[0]),
        subject: decodeEncodedWords(envelope?.subject ?? '').trim() || '(không có tiêu đề)',
      };
    }),
  };
}

function stateOf(row: MessageRow, seenByKeeper: boolean): UnitMessageState {
  if (hasFlag(row, HANDLED_KEYWORD)) return 'handled';
  if (hasFlag(row, ASSIGNED_KEYWORD)) return 'assigned';
  return seenByKeeper || hasFlag(row, '\\Seen') ? 'read' : 'unread';
}

/** RFC 3501 §2.3.2: flag names are case-insensitive. */
function hasFlag(row: MessageRow, flag: string): boolean {
  const wanted = flag.toLowerCase();
  return row.flags.some((f) => f.toLowerCase() === wanted);
}

function formatSender(address: EnvelopeAddress | undefined): string {
  if (!address) return '(không rõ người gửi)';
  const mailbox = address.mailbox && address.host ? `${address.mailbox}@${address.host}` : (address.mailbox ?? '');
  const name = decodeEncodedWords(address.name ?? '').trim();
  return name === '' ? mailbox : `${name} <${mailbox}>`;
}
