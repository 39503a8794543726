import type { AccountId } from '../store/index.js';

/**
 * The directory's public contract (danh bạ điện tử): the only source of accounts. Protocol code
 * asks these questions; it never reads directory tables.
 */

/** RFC 4314 rights letters: l r s w i p k x t e a. */
export type Rights = string;
export const ALL_RIGHTS: Rights = 'lrswipkxtea';

export type Protocol = 'imap' | 'smtp' | 'web' | 'cli' | 'managesieve' | 'ldap' | 'carddav';

export interface LoginContext {
  readonly protocol: Protocol;
  /** Client IP, for throttling and the audit log. */
  readonly ip: string;
  /** IMAP ID or similar, for the audit log. */
  readonly clientId?: string;
}

/** Who a session is. For `vpubnd*annv`, `person` is annv and `account` is vpubnd. */
export interface Identity {
  /** The official who authenticated. */
  readonly person: AccountId;
  /** The account whose mailboxes the session opens as its own. */
  readonly account: AccountId;
  readonly displayName: string;
  /** Rights on `account` (all of them when account === person). */
  readonly rights: Rights;
  /** Opaque: which password the session logged in with; revalidate ends it after a reset. */
  readonly credentialVersion?: number;
}

export type LoginFailure =
  /** Unknown login or wrong password: the same answer for both (no user enumeration). */
  | 'bad-credentials'
  /** Retired person: login refused (DESIGN.md Lifecycle). */
  | 'retired'
  /** The person's unit (or the unit opened with unit*person) is suspended (Điều 10). */
  | 'suspended'
  /** Correct password that must be changed first: IMAP NO [EXPIRED], SMTP 535 with the web URL. */
  | 'expired'
  /** Too many failures: temporarily locked. */
  | 'locked'
  /** The password checks' queue was full or the turn did not come in time (check-queue.ts): nothing was checked; retry shortly. */
  | 'busy';

export type LoginResult =
  | { readonly ok: true; readonly identity: Identity }
  | {
      readonly ok: false;
      readonly reason: LoginFailure;
      /** ms the caller should wait before answering (throttling). */
      readonly delayMs: number;
      /** With 'expired' (the password was right): who must change it; the web page signs them in to the change page only. */
      readonly person?: AccountId;
    };

export type RecipientResolution =
  | { readonly ok: true; readonly account: AccountId; readonly kind: 'person' | 'unit' | 'alias' | 'reserved' }
  | { readonly ok: false; readonly reason: 'unknown' | 'retired' | 'not-local' | 'suspended' };

/** Where a violation record comes from (docs/architecture.md "Violations (Điều 10)"). */
export type ViolationSource = 'admin' | 'filter' | 'rate-limit';

/** Raised for bad input to directory changes; the CLI prints `message` as its one line and exits 1. */
export class DirectoryError extends Error {
  constructor(
    readonly code:
      | 'unknown-unit'
      | 'unknown-person'
      | 'address-taken'
      | 'address-reserved'
      | 'invalid-address'
      | 'invalid-name'
      | 'missing-doc'
      | 'already-retired'
      | 'invalid-rights'
      | 'invalid-input',
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/** An entry of the audit log (audit-log.ts), as every caller of DirectoryService.audit writes it. */
export interface AuditEntry {
  /** Who did it: a person's address, "cli:<user>", "system". */
  readonly actor: string;
  /** Dotted verb: "login.ok", "login.fail", "delegate.read", "delegate.move", "person.add", … */
  readonly action: string;
  /** The address the action is about (a person or a unit). */
  readonly subject: string;
  readonly doc?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** argon2id parameters (password.ts). */
export interface Argon2Cost {
  /** KiB. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}
