/**
 * What the RFC 4314 commands (SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS) share: finding
 * their mailbox through the namespaces with no existence leak (§6), the "a" right they need, and
 * the mapping of directory refusals to IMAP answers. The ACL itself is the unit's delegations
 * (src/directory/acl.ts): one per account, whichever of its folders the command names.
 */
import { DirectoryError } from '../directory/index.js';
import type { MailboxInfo } from '../store/index.js';
import { ImapError, refuse } from './errors.js';
import { findMailbox, type MailboxLocation } from './namespaces.js';
import type { ArgReader } from './parser.js';
import type { Session } from './session.js';

export interface AclTarget {
  readonly location: MailboxLocation;
  readonly mailbox: MailboxInfo;
}

/**
 * The mailbox an ACL command names. RFC 4314 §6: someone who may not know it exists gets the
 * answer a mailbox that does not exist gets, not `NOPERM`.
 */
export async function requireAclTarget(session: Session, name: string): Promise<AclTarget> {
  const found = await findMailbox(session, name);
  if (!found) throw refuse('NONEXISTENT', 'No such mailbox');
  return found;
}

/** RFC 4314 §4: SETACL, DELETEACL, GETACL and LISTRIGHTS need "a" (administer). */
export function requireAdminister(target: AclTarget): void {
  if (!target.location.rights.includes('a')) throw refuse('NOPERM', 'You may not administer the access rights of this mailbox');
}

/**
 * RFC 4314 §2 identifier: an official's address or tên_sd. "anyone" and negative rights
 * ("-annv") exist in the RFC; we keep neither (every right is granted to a named person on a
 * written request), and say so with NO [CANNOT].
 */
export function readIdentifier(args: ArgReader): string {
  const identifier = args.astringText();
  if (identifier === '') throw args.error('the identifier is empty');
  if (identifier.toLowerCase() === 'anyone' || identifier.startsWith('-')) {
    throw refuse('CANNOT', 'Rights are granted to named officials only (no "anyone", no negative rights)');
  }
  return identifier;
}

/** DirectoryError → the IMAP answer: unknown right letters are BAD (RFC 4314 §3.1), the rest NO. */
export function fromDirectoryError(err: unknown): ImapError {
  if (!(err instanceof DirectoryError)) throw err;
  if (err.code === 'invalid-rights') return new ImapError('BAD', null, err.message);
  if (err.code === 'invalid-input') return refuse('CANNOT', err.message);
  return refuse(null, err.message);
}
