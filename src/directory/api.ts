import type { EventEmitter } from 'node:events';
import type { AccountId } from '../store/index.js';
import type { AclChange, AclEntry } from './acl.js';
import type { BookCards, CardChange } from './address-book-log.js';
import type { DirectoryEntry } from './directory-search.js';
import type { PasswordChangeResult } from './password-change.js';
import type { UnitDetails } from './units.js';
import type { AuditQuery, AuditRow } from './audit-log.js';
import type { AuditEntry, Identity, LoginContext, LoginResult, RecipientResolution, Rights, ViolationSource } from './types.js';

/** A unit mailbox the person may open through the shared namespace or `unit*person`. */
export interface UnitAccess {
  readonly unit: AccountId;
  readonly unitName: string;
  readonly rights: Rights;
  readonly sendAs: boolean;
  /** Seen state of the unit: one \Seen for the team, or each delegate their own. */
  readonly seenMode: 'shared' | 'private';
}

/** One entry of an audit row written by protocol code (delegate actions, logins, violations). */
/**
 * What SMTP, IMAP and web ask of the directory. Implemented by src/directory over the store's
 * database handle. Emits 'changed' with the address of a person or unit whose state changed
 * (password reset, retirement, suspension, delegation), so open sessions can re-check.
 */
export interface DirectoryService {
  readonly events: EventEmitter<{ changed: [AccountId] }>;
  /** The primary domain and every local domain, lowercase. */
  readonly localDomains: readonly string[];

  /** `annv`, `AnNV@cantho.gov.vn`, `vpubnd*annv`: checks password, status, throttling; audits. */
  verifyLogin(login: string, password: string, context: LoginContext): Promise<LoginResult>;
  /** Re-checks a live session (called after a 'changed' event): null if it must end. */
  revalidate(identity: Identity): Identity | null;
  /** SMTP RCPT: may mail be delivered to this address? */
  resolveRecipient(address: string): RecipientResolution;
  /** Is `address` a local domain? */
  isLocalDomain(domain: string): boolean;
  /** May this person use `fromAddress` as MAIL FROM / From:? Own address, or a unit with send-as. */
  canSendAs(person: AccountId, fromAddress: string): boolean;
  /** Unit mailboxes this person may see (rights include at least "l"). */
  unitAccess(person: AccountId): UnitAccess[];
  /** Rights of `person` on the mailboxes of `owner` (all rights on their own). */
  rightsOn(person: AccountId, owner: AccountId): Rights;
  /** A unit with its members and delegations (`unit show`); DirectoryError 'unknown-unit'. */
  showUnit(unit: string): UnitDetails;
  /**
   * RFC 4314 GETACL of `owner`'s mailboxes (docs/architecture.md "Unit mailboxes": one ACL per account, not per folder): for a
   * unit its head (every right) and delegates, for a person the person alone.
   */
  acl(owner: AccountId): AclEntry[];
  /**
   * RFC 4314 SETACL/DELETEACL on a unit's mailboxes by `actor`, who must hold "a" there (checked
   * by the caller). Writes the same delegation row and audit rows as `delegate grant|revoke`, and
   * emits 'changed'. DirectoryError for personal mailboxes, the head, unknown persons or rights.
   */
  changeAcl(actor: AccountId, owner: AccountId, identifier: string, change: AclChange): void;
  /** Full name of a person or unit (for Sender: headers, DSNs, the web page), or null when unknown. */
  displayName(account: AccountId): string | null;
  /** Writes one audit row. */
  audit(entry: AuditEntry): void;
  /** Rows of the audit log, oldest first (`cantho-mail audit`; the web's unit mailbox page reads `unit.assign`). */
  queryAudit(filter?: AuditQuery): AuditRow[];
  /**
   * The directory officials look up on the web page (search, vCard): every unit and person in
   * service; with `unit` (tên_sd or address), that unit and its members. DirectoryError 'unknown-unit'.
   */
  listEntries(unit?: string): DirectoryEntry[];
  /** Addresses of the suspended units (Điều 10): the LDAP tree and CardDAV leave them and their members out. */
  suspendedUnits(): ReadonlySet<string>;
  /**
   * CardDAV sync (address-book-log.ts): records the address books as they are now (book → card →
   * ETag) and returns each book's sync token.
   */
  recordAddressBooks(books: ReadonlyMap<string, BookCards>): Map<string, number>;
  /** RFC 6578 §3.2: the cards of `book` changed after `token`; null for a token the book never handed out. */
  addressBookChanges(book: string, token: number): CardChange[] | null;
  /**
   * Self-service password change (web page; docs/architecture.md "Password lifecycle"): verifies the current password (a wrong one
   * counts as a login failure), applies the password policy, clears the must-change flag; audits,
   * emits 'changed'.
   */
  changePassword(person: AccountId, currentPassword: string, newPassword: string, context: LoginContext): Promise<PasswordChangeResult>;
  /**
   * Records a violation of Điều 10 by a local person (virus or spam sent, rate limit, admin).
   * DirectoryError 'unknown-person' when the address is not one of ours.
   */
  recordViolation(address: string, reason: string, options: { serious?: boolean; source: ViolationSource; actor?: string }): void;
}
