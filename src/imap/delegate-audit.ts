/**
 * docs/architecture.md "Unit mailboxes", on record: what a delegate does in a unit's mailbox goes on record — open, read a body,
 * change flags, copy/move, append, expunge, create/delete/rename a folder — with person, unit,
 * folder, and Message-ID and subject of each message (src/directory/delegate-actions.ts). A
 * session in its own person's mailboxes writes nothing. Called after the store committed, so the
 * record holds what happened, not what was tried.
 */
import { delegateAuditEntry, messageRef, MAX_LISTED_MESSAGES, type DelegateAction, type MessageRef } from '../directory/index.js';
import type { MailboxInfo, Uid } from '../store/index.js';
import type { FetchRequest } from './fetch/items.js';
import { wireNameOf } from './namespaces.js';
import type { Session } from './session.js';

export interface DelegateAuditOptions {
  /** The messages acted on, by UID in `mailbox` (read before an expunge or move removes them). */
  readonly uids?: readonly Uid[];
  /** Already-read references (when the messages are gone from `mailbox`). */
  readonly messages?: readonly MessageRef[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Whether acting on `mailbox` is a delegate action of this session (someone else's, i.e. a unit's, mailbox). */
export function isDelegateMailbox(session: Session, mailbox: Pick<MailboxInfo, 'account'>): boolean {
  return session.identity !== null && mailbox.account !== session.identity.person;
}

/** Message references for an audit row, read from the ENVELOPE stored at delivery (no parsing here). */
export async function messageRefs(session: Session, mailbox: MailboxInfo, uids: readonly Uid[]): Promise<MessageRef[]> {
  if (uids.length === 0) return [];
  const listed = uids.slice(0, MAX_LISTED_MESSAGES);
  const refs: MessageRef[] = (await session.ctx.store
    .getMessageMeta(mailbox.id, listed))
    .map((meta) => messageRef(meta.envelope.messageId, meta.envelope.subject, meta.uid));
  // The rest are counted, not described (an audit row stays small for FETCH 1:*).
  for (const uid of uids.slice(listed.length)) refs.push({ uid, messageId: null, subject: null });
  return refs;
}

export async function auditDelegate(session: Session, mailbox: MailboxInfo, action: DelegateAction, options: DelegateAuditOptions = {}): Promise<void> {
  if (!isDelegateMailbox(session, mailbox)) return;
  const messages = options.messages ?? (options.uids ? await messageRefs(session, mailbox, options.uids) : []);
  recordDelegateAction(session, mailbox, action, { messages, ...(options.extra ? { extra: options.extra } : {}) });
}

/** The audit row itself; by owner and name, as a \Noselect name (RENAME of one) is no mailbox. */
export function recordDelegateAction(
  session: Session,
  place: Pick<MailboxInfo, 'account' | 'name'>,
  action: DelegateAction,
  options: Pick<DelegateAuditOptions, 'messages' | 'extra'> = {},
): void {
  if (!isDelegateMailbox(session, place)) return;
  session.ctx.directory.audit(
    delegateAuditEntry({
      person: session.identity!.person,
      unit: place.account,
      action,
      mailbox: place.name,
      messages: options.messages ?? [],
      ...(options.extra ? { extra: options.extra } : {}),
    }),
  );
}

/**
 * Whether a FETCH reads message content ("read a body"): RFC822, RFC822.TEXT, BINARY[…] and BODY[…] /
 * BODY.PEEK[…] other than header sections. ENVELOPE and header fields, which every client fetches
 * to draw its message list, are not reading.
 */
export function readsBody(request: FetchRequest): boolean {
  return request.items.some(
    (item) =>
      item.kind === 'RFC822' ||
      item.kind === 'RFC822.TEXT' ||
      item.kind === 'BINARY[]' ||
      (item.kind === 'BODY[]' && item.section.text?.kind !== 'HEADER' && item.section.text?.kind !== 'HEADER.FIELDS' && item.section.text?.kind !== 'MIME'),
  );
}

/**
 * COPY / MOVE between folders of different owners or within a unit: one row on each unit side
 * involved, naming the other folder by the name this session sees. `messages` must be read
 * before a MOVE removes them from the source (messageRefs).
 */
export async function auditTransfer(
  session: Session,
  action: 'copy' | 'move',
  source: MailboxInfo,
  destination: MailboxInfo,
  messages: readonly MessageRef[],
): Promise<void> {
  if (isDelegateMailbox(session, source)) {
    await auditDelegate(session, source, action, { messages, extra: { destination: wireNameOf(session, destination) } });
  }
  if (isDelegateMailbox(session, destination) && destination.account !== source.account) {
    await auditDelegate(session, destination, action, { messages, extra: { source: wireNameOf(session, source) } });
  }
}

/**
 * Expunges \Deleted messages of `mailbox` (only among `uids` when given, RFC 4315) and, in a
 * unit's mailbox, records which went: their references are read first, as the store forgets
 * them with the rows. Returns the expunged UIDs. Shared by EXPUNGE, UID EXPUNGE and CLOSE.
 */
export async function expungeAudited(session: Session, mailbox: MailboxInfo, uids?: readonly Uid[]): Promise<Uid[]> {
  const store = session.ctx.store;
  if (!isDelegateMailbox(session, mailbox)) return await store.expunge(mailbox.id, uids);
  const wanted = uids ? new Set(uids) : null;
  const doomed = (await store
    .listMessages(mailbox.id))
    .filter((row) => row.flags.includes('\\Deleted') && (wanted === null || wanted.has(row.uid)))
    .map((row) => row.uid);
  const refs = await messageRefs(session, mailbox, doomed);
  const expunged = await store.expunge(mailbox.id, uids);
  const gone = new Set(expunged);
  if (gone.size > 0) await auditDelegate(session, mailbox, 'expunge', { messages: refs.filter((ref) => ref.uid !== undefined && gone.has(ref.uid as Uid)) });
  return expunged;
}
