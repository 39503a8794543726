/**
 * The shared namespace (RFC 2342; issue 6): a unit's mailboxes appear to its head and delegates as
 * `<imap.shared_prefix><unit>/<mailbox>`, e.g. `Shared/vpubnd/INBOX`, with the RFC 4314 rights the
 * directory gives them. Everything else is the session's own account.
 *
 *   resolveName(session, name)   → { account, name, rights } of the mailbox a wire name means, or
 *                                   null for a shared name the person may not see (answered like
 *                                   a mailbox that does not exist: no existence leak)
 *   sharedUnits(session)         → the units whose mailboxes this session lists
 *   displayName(session, mailbox)→ the name a client sees for a store mailbox
 *   rightsOn(session, account)   → the session's rights on an account's mailboxes
 *   auditDelegate(session, action, mailbox, detail) → the audit row for a delegate's action on a
 *                                   unit's mailbox ("open", "read", "flags", "move", "expunge");
 *                                   nothing for a person's own mailboxes
 *
 * A session opened as `unit*person` already has the unit as its own account; it lists no shared
 * namespace.
 */
import type { UnitAccess } from '../directory/api.js';
import type { Rights } from '../directory/types.js';
import { canonicalMailboxName } from '../store/mailbox-names.js';
import { MAILBOX_DELIMITER, type AccountId, type MailboxInfo } from '../store/types.js';
import type { Session } from './session.js';

export interface MailboxTarget {
  readonly account: AccountId;
  /** The name in that account's store. */
  readonly name: string;
  readonly rights: Rights;
}

export function sharedPrefix(session: Session): string {
  return session.ctx.config.imap.shared_prefix;
}

/** The prefix without its trailing delimiter: the \Noselect root LIST shows ("Shared"). */
export function sharedRoot(session: Session): string {
  return sharedPrefix(session).slice(0, -MAILBOX_DELIMITER.length);
}

/** Units listed in the shared namespace: only for a person's own session. */
export function sharedUnits(session: Session): UnitAccess[] {
  const identity = session.identity;
  if (!identity || identity.account !== identity.person) return [];
  return session.ctx.directory.unitAccess(identity.person);
}

/** `vpubnd@cantho.gov.vn` → `vpubnd` for the primary domain; other domains keep the full address. */
export function unitLabel(session: Session, unit: AccountId): string {
  const suffix = `@${session.ctx.config.server.domain}`;
  return unit.endsWith(suffix) ? unit.slice(0, -suffix.length) : unit;
}

export function rightsOn(session: Session, account: AccountId): Rights {
  const identity = session.identity;
  if (!identity) return '';
  if (account === identity.account) return identity.rights;
  return sharedUnits(session).find((u) => u.unit === account)?.rights ?? '';
}

export function resolveName(session: Session, name: string): MailboxTarget | null {
  const prefix = sharedPrefix(session);
  const identity = session.identity;
  if (!identity) return null;
  if (!name.startsWith(prefix) || identity.account !== identity.person) {
    return { account: identity.account, name, rights: identity.rights };
  }
  const rest = name.slice(prefix.length);
  const cut = rest.indexOf(MAILBOX_DELIMITER);
  if (cut <= 0) return null;
  const label = rest.slice(0, cut).toLowerCase();
  const access = sharedUnits(session).find((u) => unitLabel(session, u.unit) === label);
  if (!access) return null;
  // INBOX is case-insensitive inside the unit's tree too (RFC 3501 §5.1).
  return { account: access.unit, name: canonicalMailboxName(rest.slice(cut + MAILBOX_DELIMITER.length)), rights: access.rights };
}

export function displayName(session: Session, mailbox: MailboxInfo): string {
  if (!session.identity || mailbox.account === session.identity.account) return mailbox.name;
  return `${sharedPrefix(session)}${unitLabel(session, mailbox.account)}${MAILBOX_DELIMITER}${mailbox.name}`;
}

/**
 * Issue 6: every action of a delegate on a unit's mailbox is on record, with the person, the unit
 * and the mailbox (plus Message-ID and subject in `detail` where a message is concerned). Covers
 * sessions opened as `unit*person` too, whose own account is the unit.
 */
export function auditDelegate(session: Session, action: string, mailbox: MailboxInfo, detail: Readonly<Record<string, unknown>> = {}): void {
  const person = session.identity?.person;
  if (!person || mailbox.account === person) return;
  session.ctx.directory.audit({ actor: person, action: `delegate.${action}`, subject: mailbox.account, detail: { mailbox: mailbox.name, ...detail } });
}
