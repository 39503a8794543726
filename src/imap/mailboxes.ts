/**
 * Looking up the session's mailboxes by wire name, shared by SELECT, STATUS, LIST-STATUS and the
 * message commands (APPEND, COPY, MOVE answer `NO [TRYCREATE]` for a missing destination, RFC 3501
 * §6.4.7, the others `NO [NONEXISTENT]`, RFC 5530).
 */
import type { MailboxInfo } from '../store/types.js';
import { refuse, type ResponseCode } from './errors.js';
import type { Session } from './session.js';

export function findMailbox(session: Session, name: string): MailboxInfo | null {
  return session.ctx.store.getMailbox(session.account, name);
}

export function requireMailbox(session: Session, name: string, missing: ResponseCode = 'NONEXISTENT'): MailboxInfo {
  const mailbox = findMailbox(session, name);
  if (!mailbox) throw refuse(missing, 'No such mailbox');
  return mailbox;
}

/**
 * RFC 4314 §4: the right a command needs on the session's account (all rights on one's own, the
 * delegated ones on a unit opened with `unit*person`); without it, `NO [NOPERM]` (RFC 5530).
 */
export function requireRight(session: Session, right: string, action: string): void {
  if (!hasRight(session, right)) throw refuse('NOPERM', `You may not ${action} here`);
}

export function hasRight(session: Session, right: string): boolean {
  return (session.identity?.rights ?? '').includes(right);
}
