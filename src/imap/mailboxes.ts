/**
 * Looking up the session's mailboxes by wire name, shared by SELECT, STATUS, LIST-STATUS and the
 * message commands (APPEND, COPY, MOVE answer `NO [TRYCREATE]` for a missing destination, RFC 3501
 * §6.4.7, the others `NO [NONEXISTENT]`, RFC 5530). Names in the shared namespace (shared.ts) find
 * the unit's mailbox; one the person may not see is simply not found.
 */
import type { MailboxInfo } from '../store/types.js';
import { refuse, type ResponseCode } from './errors.js';
import type { Session } from './session.js';
import { resolveName, rightsOn, type MailboxTarget } from './shared.js';

export function findMailbox(session: Session, name: string): MailboxInfo | null {
  const target = resolveName(session, name);
  return target ? session.ctx.store.getMailbox(target.account, target.name) : null;
}

export function requireMailbox(session: Session, name: string, missing: ResponseCode = 'NONEXISTENT'): MailboxInfo {
  const mailbox = findMailbox(session, name);
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
 * Where CREATE, DELETE and RENAME act: the account and store name a wire name means, after
 * checking the RFC 4314 right the change needs (k to create, x to delete or rename). A shared
 * name the person may not see is NONEXISTENT, as if nothing were there.
 */
export function changeTarget(session: Session, name: string, right: 'k' | 'x', action: string): MailboxTarget {
  const target = resolveName(session, name);
  if (!target) throw refuse('NONEXISTENT', 'No such mailbox');
  if (!target.rights.includes(right)) throw refuse('NOPERM', `You may not ${action} here`);
  return target;
}
