/**
 * RFC 4314 ACL commands share these: the mailbox they name (one the person may not see is
 * NONEXISTENT, like a missing one), the "a" right they need, and the directory's typed failures.
 * Our ACL is per account (issue 6): every mailbox of a unit has the unit's ACL.
 */
import { DirectoryError } from '../../directory/types.js';
import type { MailboxInfo } from '../../store/types.js';
import { ImapError, refuse } from '../errors.js';
import { hasRight, requireMailbox } from '../mailboxes.js';
import type { Session } from '../session.js';

/** RFC 4314 §4: GETACL, SETACL, DELETEACL and LISTRIGHTS need "a" (administer). */
export function administeredMailbox(session: Session, name: string): MailboxInfo {
  const mailbox = requireMailbox(session, name);
  if (!hasRight(session, 'a', mailbox)) throw refuse('NOPERM', 'You may not administer this mailbox');
  return mailbox;
}

/** DirectoryError → invalid rights are BAD (RFC 4314 §3.1), anything else a NO the client can show. */
export function fromDirectoryError(err: unknown): ImapError {
  if (!(err instanceof DirectoryError)) throw err;
  return err.code === 'invalid-rights' ? new ImapError('BAD', null, err.message) : refuse('CANNOT', err.message);
}
