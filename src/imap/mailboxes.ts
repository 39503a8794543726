/**
 * Looking up the session's mailboxes by wire name, shared by SELECT, STATUS, LIST-STATUS and the
 * message commands (APPEND, COPY, MOVE answer `NO [TRYCREATE]` for a missing destination, RFC 3501
 * §6.4.7, the others `NO [NONEXISTENT]`, RFC 5530). Names go through namespaces.ts, so a name in
 * the shared namespace finds the unit's mailbox and one the person may not know is not found.
 */
import type { MailboxInfo } from '../store/index.js';
import { refuse, type ResponseCode } from './errors.js';
import type { Session } from './session.js';
import { findMailbox as locateMailbox, locate, rightsOn, type MailboxLocation } from './namespaces.js';

export async function findMailbox(session: Session, name: string): Promise<MailboxInfo | null> {
  return (await locateMailbox(session, name))?.mailbox ?? null;
}

export async function requireMailbox(session: Session, name: string, missing: ResponseCode = 'NONEXISTENT'): Promise<MailboxInfo> {
  const mailbox = await findMailbox(session, name);
  if (!mailbox) throw refuse(missing, 'No such mailbox');
  return mailbox;
}

/**
 * RFC 4314 §4: the right a command needs on `mailbox` (default: the selected mailbox, else the
 * session's own account): all rights on one's own, the delegated ones on a unit's mailboxes;
 * without it, `NO [NOPERM]` (RFC 5530).
 */
export function requireRight(session: Session, right: string, action: string, mailbox?: MailboxInfo): void {
  if (!hasRight(session, right, mailbox)) throw refuse('NOPERM', `You may not ${action} here`);
}

/** `right` is one RFC 4314 letter, or a pattern such as /[siwte]/ for "any of these". */
export function hasRight(session: Session, right: string | RegExp, mailbox?: MailboxInfo): boolean {
  const account = (mailbox ?? session.selected?.info)?.account ?? session.identity?.account;
  if (account === undefined) return false;
  const rights = rightsOn(session, account);
  return typeof right === 'string' ? rights.includes(right) : right.test(rights);
}

/**
 * Where CREATE (or RENAME's new name) puts a mailbox, which needs "k" (RFC 4314 §4). A place the
 * person may not know gets the same answer whether or not the unit exists.
 */
export function creationTarget(session: Session, name: string): MailboxLocation {
  const location = locate(session, name);
  if (!location) throw refuse('CANNOT', 'Mailboxes cannot be created there');
  if (!location.rights.includes('k')) throw refuse('NOPERM', 'You may not create mailboxes here');
  return location;
}

/** The existing mailbox DELETE or RENAME removes from its place, which needs "x" (RFC 4314 §4). */
export async function removalTarget(session: Session, name: string, action: 'delete' | 'rename'): Promise<{ readonly location: MailboxLocation; readonly mailbox: MailboxInfo }> {
  const found = await locateMailbox(session, name);
  if (!found) throw refuse('NONEXISTENT', 'No such mailbox');
  if (!found.location.rights.includes('x')) throw refuse('NOPERM', `You may not ${action} this mailbox`);
  return found;
}
