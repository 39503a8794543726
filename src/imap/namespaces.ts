/**
 * Mailbox names as a session sees them, and where they live (docs/architecture.md "Unit mailboxes"; RFC 2342 namespaces, RFC
 * 4314 rights):
 *
 *   personal namespace ""      the session's own account: the person's mailboxes, or the unit's
 *                              after a `unit*person` login (DESIGN.md "Login names")
 *   shared namespace           `<imap.shared_prefix><unit tên_sd>/<folder>`, e.g.
 *                              `Shared/vpubnd/INBOX`, for the units the person heads or holds
 *                              rights on; only in sessions of a person's own login
 *
 * Invariants:
 *   - Rights come from the directory at every call, never from what the session saw at login, so
 *     a revocation applies to every open session at its next command.
 *   - A name the person has no right to know about (a unit on which they hold neither "l" nor
 *     "r", RFC 4314 §6) resolves to null exactly like a name that exists nowhere, and callers
 *     answer both in the same words: no command tells an outsider that a unit folder exists.
 *   - Names under the prefix never reach the personal namespace, so no personal folder can pose
 *     as a unit's.
 *   - Rights belong to the owner account, not to each folder (src/directory/acl.ts), so the
 *     rights on a MailboxInfo are the rights on its `account`.
 */
import type { AppContext } from '../context.js';
import { ALL_RIGHTS, localPartOf, type Identity, type Rights } from '../directory/index.js';
import { MAILBOX_DELIMITER, type AccountId, type MailboxInfo } from '../store/index.js';

/** What of a Session this module reads (a Session is one; tests pass a small object). */
export interface NamespaceSession {
  readonly ctx: Pick<AppContext, 'config' | 'directory' | 'store'>;
  readonly identity: Identity | null;
}

/** Where a wire name points. */
export interface MailboxLocation {
  /** The account whose store holds (or would hold) the mailbox. */
  readonly owner: AccountId;
  /** The name in the owner's store ("INBOX", "Sent", "Dự án/2026"). */
  readonly name: string;
  /** The session person's RFC 4314 rights on it. */
  readonly rights: Rights;
  /** The unit's tên_sd for a name in the shared namespace, else null. */
  readonly sharedUnit: string | null;
}

function identityOf(session: NamespaceSession): Identity {
  if (!session.identity) throw new Error('namespaces: the session is not logged in');
  return session.identity;
}

/** The shared namespace's prefix (`Shared/`), or null in a `unit*person` session, which has none. */
export function sharedPrefix(session: NamespaceSession): string | null {
  const identity = identityOf(session);
  return identity.account === identity.person ? session.ctx.config.imap.shared_prefix : null;
}

/** RFC 4314 rights of the session's person on the mailboxes of `owner`, as the directory says now. */
export function rightsOn(session: NamespaceSession, owner: AccountId): Rights {
  const identity = identityOf(session);
  if (owner === identity.person) return ALL_RIGHTS;
  return session.ctx.directory.rightsOn(identity.person, owner);
}

/** RFC 4314 §6: without "l" and "r" the mailbox must look as if it did not exist. */
function mayKnow(rights: Rights): boolean {
  return rights.includes('l') || rights.includes('r');
}

/**
 * Where a wire name (already decoded from modified UTF-7) points, or null when it names nothing
 * the person may know about. The mailbox itself may still not exist: see findMailbox.
 */
export function locate(session: NamespaceSession, wireName: string): MailboxLocation | null {
  const identity = identityOf(session);
  const prefix = sharedPrefix(session);
  if (prefix !== null && (wireName.startsWith(prefix) || wireName === prefix.slice(0, -MAILBOX_DELIMITER.length))) {
    const rest = wireName.slice(prefix.length);
    const slash = rest.indexOf(MAILBOX_DELIMITER);
    // `Shared` and `Shared/<unit>` are only parents in LIST (\Noselect), never mailboxes.
    if (slash <= 0 || slash === rest.length - 1) return null;
    const unit = rest.slice(0, slash);
    const owner = unitAccount(session, unit);
    // The shared namespace is for units: a person's own mailboxes have one name, in their own namespace.
    if (owner === null || owner === identity.person) return null;
    const rights = rightsOn(session, owner);
    if (!mayKnow(rights)) return null;
    return { owner, name: rest.slice(slash + 1), rights, sharedUnit: unit };
  }
  const rights = rightsOn(session, identity.account);
  if (!mayKnow(rights)) return null;
  return { owner: identity.account, name: wireName, rights, sharedUnit: null };
}

/** The mailbox a wire name names, with its location; null when it does not exist or may not be known. */
export async function findMailbox(session: NamespaceSession, wireName: string): Promise<{ readonly location: MailboxLocation; readonly mailbox: MailboxInfo } | null> {
  const location = locate(session, wireName);
  if (!location) return null;
  const mailbox = await session.ctx.store.getMailbox(location.owner, location.name);
  return mailbox ? { location, mailbox } : null;
}

/** The name this session knows a mailbox by (before modified UTF-7 encoding). */
export function wireNameOf(session: NamespaceSession, mailbox: MailboxInfo): string {
  const identity = identityOf(session);
  if (mailbox.account === identity.account) return mailbox.name;
  const prefix = sharedPrefix(session) ?? session.ctx.config.imap.shared_prefix;
  return `${prefix}${localPartOf(mailbox.account)}${MAILBOX_DELIMITER}${mailbox.name}`;
}

/**
 * Every mailbox LIST may show this session, by wire name: its own, then those of each unit it may
 * list (RFC 4314 "l"), under the shared prefix. The parents `Shared` and `Shared/<unit>` are not
 * in the map: LIST adds them as \Noselect \HasChildren because they have children, so they
 * appear exactly when there is something under them.
 */
export async function visibleMailboxes(session: NamespaceSession): Promise<Map<string, MailboxInfo>> {
  const identity = identityOf(session);
  const { store, directory } = session.ctx;
  const visible = new Map<string, MailboxInfo>();
  if (rightsOn(session, identity.account).includes('l')) {
    for (const mailbox of await store.listMailboxes(identity.account)) visible.set(mailbox.name, mailbox);
  }
  const prefix = sharedPrefix(session);
  if (prefix === null) return visible;
  for (const access of directory.unitAccess(identity.person)) {
    if (!access.rights.includes('l')) continue;
    const unit = localPartOf(access.unit);
    for (const mailbox of await store.listMailboxes(access.unit)) visible.set(`${prefix}${unit}${MAILBOX_DELIMITER}${mailbox.name}`, mailbox);
  }
  return visible;
}

/** RFC 9051 §6.3.9.5: whether the name has a child this session may list (\HasChildren). */
export async function hasVisibleChildren(session: NamespaceSession, wireName: string): Promise<boolean> {
  const below = wireName + MAILBOX_DELIMITER;
  for (const name of (await visibleMailboxes(session)).keys()) if (name.startsWith(below)) return true;
  return false;
}

/**
 * docs/architecture.md "Unit mailboxes", revocation takes effect on open sessions: why this session may not go on, or null.
 * A `unit*person` session needs some right on the unit; a session with a unit's folder selected
 * needs "r" on it. Read from the directory now, so a change made by another process counts too.
 */
export function accessWithdrawn(session: NamespaceSession & { readonly selected: { readonly info: MailboxInfo } | null }): string | null {
  const identity = identityOf(session);
  if (identity.account !== identity.person && rightsOn(session, identity.account) === '') return 'Your rights on this unit mailbox were withdrawn';
  const selected = session.selected?.info;
  if (selected && selected.account !== identity.person && !rightsOn(session, selected.account).includes('r')) {
    return 'Your rights on the selected mailbox were withdrawn';
  }
  return null;
}

/**
 * docs/architecture.md "Unit mailboxes", seen mode: whether \Seen on `owner`'s mailboxes is the team's ('shared') or the person's
 * own ('private'). A person's own mailboxes are always 'shared' (there is nobody to share with).
 */
export function seenModeOf(session: NamespaceSession, owner: AccountId): 'shared' | 'private' {
  const identity = identityOf(session);
  if (owner === identity.person) return 'shared';
  return session.ctx.directory.unitAccess(identity.person).find((access) => access.unit === owner)?.seenMode ?? 'shared';
}

/** A unit's account from the tên_sd written in a shared name, or null when it is not a unit's tên_sd as we write them. */
function unitAccount(session: NamespaceSession, unit: string): AccountId | null {
  // Names are case-sensitive (RFC 3501 §5.1): only the lowercase tên_sd LIST shows is the unit.
  if (!/^[a-z0-9._-]{1,64}$/.test(unit)) return null;
  return `${unit}@${session.ctx.config.server.domain}` as AccountId;
}
