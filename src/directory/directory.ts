import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { MailStore } from '../store/index.js';
import { migrate, type Db } from '../store/index.js';
import type { AccountId } from '../store/index.js';
import { accountOf, parseLocalAddress, type LocalPart } from './address.js';
import { changeUnitAcl, unitAcl, type AclChange, type AclEntry } from './acl.js';
import { DirectoryAdmin } from './admin.js';
import { AddressBookLog, type BookCards, type CardChange } from './address-book-log.js';
import type { DirectoryService, UnitAccess } from './api.js';
import { AuditLog, type AuditQuery, type AuditRow } from './audit-log.js';
import type { AccountProvisioner, DirectoryContext } from './context.js';
import { listDirectoryEntries, type DirectoryEntry } from './directory-search.js';
import { LoginFlow, type LoginStats, type PasswordCheckStats } from './login-flow.js';
import { RecipientCache } from './recipient-cache.js';
import type { PasswordChangeResult } from './password-change.js';
import { PRODUCTION_ARGON2 } from './password.js';
import { markReported, markWarned, pendingNotices, type PendingNotice } from './notice-outbox.js';
import { releaseRetiredAddress, retiredBefore, type ReleaseOutcome, type RetentionDue } from './purge.js';
import { DirectoryRecords, type PersonRecord, type UnitRecord } from './records.js';
import { rightsOnUnit } from './rights.js';
import { showUnit, type UnitDetails } from './units.js';
import { diligenceUnits, type DiligenceUnit } from './unit-diligence.js';
import { DIRECTORY_MIGRATIONS } from './schema.js';
import type { CheckQueuePolicy } from './check-queue.js';
import type { ThrottlePolicy } from './throttle.js';
import {
  ALL_RIGHTS,
  type Argon2Cost,
  type AuditEntry,
  DirectoryError,
  type Identity,
  type LoginContext,
  type LoginResult,
  type RecipientResolution,
  type Rights,
  type ViolationSource,
} from './types.js';
import { recordViolation, type ViolationView } from './violations.js';

const DAY_MS = 86_400_000;

/**
 * The directory as the protocols see it (DirectoryService), over the store's database handle.
 * Logins and password changes go through login-flow.ts, whose invariants (cache, throttle, the
 * argon2 queue) hold for every protocol alike.
 */

export interface DirectoryOptions {
  readonly db: Db;
  readonly config: Config;
  /** The message store: default folders for every new person or unit; its 'external' event. */
  readonly store: AccountProvisioner & Partial<Pick<MailStore, 'events'>>;
  readonly logger?: Logger;
  /** Production default: OWASP's argon2id minimum. Tests pass cheaper ones. */
  readonly argon2?: Argon2Cost;
  readonly now?: () => Date;
  readonly loginCacheTtlMs?: number;
  readonly throttle?: Partial<ThrottlePolicy>;
  readonly checkQueue?: Partial<CheckQueuePolicy>;
}

export class Directory implements DirectoryService {
  readonly events = new EventEmitter<{ changed: [AccountId] }>();
  /** 'recorded' after a violation recorded in this process commits: the server's notice outbox listens (docs/architecture.md "Violations (Điều 10)"). */
  readonly violations = new EventEmitter<{ recorded: [ViolationView] }>();
  readonly localDomains: readonly string[];
  /** The admin's operations (the CLI's unit, person, delegate and violation commands). */
  readonly admin: DirectoryAdmin;
  readonly stats: LoginStats;
  readonly passwordChecks: PasswordCheckStats;

  /**
   * The database handle and helpers the lifecycle functions (units.ts, persons.ts, …) share; their
   * changes clear the cache and emit 'changed'. Other modules reach them through `admin` and the
   * methods here, so every change passes the same checks and audit rows.
   */
  private readonly context: DirectoryContext;
  private readonly records: DirectoryRecords;
  private readonly auditLog: AuditLog;
  private readonly addressBooks: AddressBookLog;
  private readonly logins: LoginFlow;
  private readonly recipients = new RecipientCache();
  private readonly config: Config;
  /** officialNames(), until a change in this process or another. */
  private names: readonly string[] | null = null;

  constructor(options: DirectoryOptions) {
    const { db, config } = options;
    // Tables first: the prepared statements below need them.
    migrate(db, 'directory', DIRECTORY_MIGRATIONS);
    this.config = config;
    this.localDomains = config.localDomains;
    const now = options.now ?? (() => new Date());
    this.records = new DirectoryRecords(db, config.server.domain);
    this.auditLog = new AuditLog(db, now);
    this.addressBooks = new AddressBookLog(db);
    this.context = {
      db,
      config,
      records: this.records,
      auditLog: this.auditLog,
      accounts: options.store,
      now,
      argon2: options.argon2 ?? PRODUCTION_ARGON2,
      changed: (accounts) => this.changed(accounts),
    };
    this.admin = new DirectoryAdmin(this.context);
    this.logins = new LoginFlow(this.context, options);
    this.stats = this.logins.stats;
    this.passwordChecks = this.logins.passwordChecks;
    // Reserved names (postmaster, abuse, …) are delivered to postmaster's mailbox. Not awaited (a
    // constructor): a delivery or login creates the folders again if this write fails.
    options.store.ensureAccount(this.postmaster()).catch((err: unknown) => options.logger?.error({ err }, "could not create postmaster's folders"));
    // Another process changed the database: it may have reset a password or retired someone.
    options.store.events?.on('change', (change) => {
      if (change.kind === 'external') {
        this.logins.forgetAll();
        this.recipients.clear();
        this.names = null;
      }
    });
  }

  verifyLogin(login: string, password: string, context: LoginContext): Promise<LoginResult> {
    return this.logins.verifyLogin(login, password, context);
  }

  revalidate(identity: Identity): Identity | null {
    const person = this.personOf(identity.person);
    if (!person || person.status === 'retired') return null;
    if (identity.credentialVersion !== undefined && identity.credentialVersion !== person.credentialVersion) return null;
    if (this.records.unitById(person.unitId)!.status === 'suspended') return null;
    if (identity.account === identity.person) return identity;
    const unit = this.unitOf(identity.account);
    if (!unit || unit.status === 'suspended') return null;
    const rights = rightsOnUnit(this.records, person, unit);
    if (rights === '') return null;
    return rights === identity.rights ? identity : { ...identity, rights };
  }

  resolveRecipient(address: string): RecipientResolution {
    const at = address.lastIndexOf('@');
    if (at !== -1 && !this.isLocalDomain(address.slice(at + 1))) return { ok: false, reason: 'not-local' };
    const local = parseLocalAddress(address, this.localDomains);
    return local === null ? { ok: false, reason: 'unknown' } : this.recipients.resolve(local, (entry) => this.resolveLocal(entry, 0));
  }

  isLocalDomain(domain: string): boolean {
    return this.localDomains.includes(domain.toLowerCase().replace(/\.$/, ''));
  }

  canSendAs(personAccount: AccountId, fromAddress: string): boolean {
    const person = this.personOf(personAccount);
    const local = parseLocalAddress(fromAddress, this.localDomains);
    if (!person || person.status === 'retired' || local === null) return false;
    if (this.records.unitById(person.unitId)!.status === 'suspended') return false;
    if (local === person.localPart) return true;
    const unit = this.records.unitByLocal(local);
    if (!unit || unit.status === 'suspended') return false;
    return unit.headPersonId === person.id || this.records.delegation(unit.id, person.id)?.sendAs === true;
  }

  unitAccess(personAccount: AccountId): UnitAccess[] {
    const person = this.personOf(personAccount);
    if (!person || person.status === 'retired') return [];
    const units = new Map<number, UnitRecord>();
    for (const unit of this.records.unitsHeadedBy(person.id)) units.set(unit.id, unit);
    for (const delegation of this.records.delegationsOfPerson(person.id)) units.set(delegation.unitId, this.records.unitById(delegation.unitId)!);
    const access: UnitAccess[] = [];
    for (const unit of [...units.values()].sort((a, b) => a.localPart.localeCompare(b.localPart))) {
      const rights = rightsOnUnit(this.records, person, unit);
      if (unit.status === 'suspended' || !rights.includes('l')) continue;
      const isHead = unit.headPersonId === person.id;
      access.push({
        unit: this.records.accountOf(unit),
        unitName: unit.name,
        rights,
        sendAs: isHead || this.records.delegation(unit.id, person.id)?.sendAs === true,
        seenMode: unit.seenMode,
      });
    }
    return access;
  }

  showUnit(unit: string): UnitDetails {
    return showUnit(this.context, unit);
  }

  rightsOn(personAccount: AccountId, owner: AccountId): Rights {
    const person = this.personOf(personAccount);
    if (!person || person.status === 'retired') return '';
    if (owner === personAccount) return ALL_RIGHTS;
    const unit = this.unitOf(owner);
    return unit ? rightsOnUnit(this.records, person, unit) : '';
  }

  acl(owner: AccountId): AclEntry[] {
    const unit = this.unitOf(owner);
    if (unit) return unitAcl(this.context, unit);
    return this.personOf(owner) ? [{ identifier: owner, rights: ALL_RIGHTS }] : [];
  }

  changeAcl(actor: AccountId, owner: AccountId, identifier: string, change: AclChange): void {
    if (!this.unitOf(owner)) throw new DirectoryError('invalid-input', 'personal mailboxes are not shared: only a unit mailbox has delegates');
    // There is no written request behind an IMAP command: the document reference says where the change came from.
    const doc = change.kind === 'delete' ? 'IMAP DELETEACL' : 'IMAP SETACL';
    changeUnitAcl(this.context, owner, identifier, change, { actor, doc });
  }

  displayName(account: AccountId): string | null {
    return this.personOf(account)?.fullName ?? this.unitOf(account)?.name ?? null;
  }

  audit(entry: AuditEntry): void {
    this.auditLog.write(entry);
  }

  /** Rows of the audit log, oldest first (`cantho-mail audit`). */
  queryAudit(filter: AuditQuery = {}): AuditRow[] {
    return this.auditLog.query(filter);
  }

  listEntries(unit?: string): DirectoryEntry[] {
    return listDirectoryEntries(this.context, unit);
  }

  suspendedUnits(): ReadonlySet<string> {
    return new Set(this.records.units().filter((u) => u.status === 'suspended').map((u) => this.records.accountOf(u)));
  }

  recordAddressBooks(books: ReadonlyMap<string, BookCards>): Map<string, number> {
    return this.addressBooks.record(books);
  }

  addressBookChanges(book: string, token: number): CardChange[] | null {
    return this.addressBooks.changesSince(book, token);
  }

  /** The names of the units and persons in service (the impersonation filter); the same array until the directory changes. */
  officialNames(): readonly string[] {
    this.names ??= this.listEntries().map((entry) => entry.name);
    return this.names;
  }

  changePassword(person: AccountId, currentPassword: string, newPassword: string, context: LoginContext): Promise<PasswordChangeResult> {
    return this.logins.changePassword(person, currentPassword, newPassword, context);
  }


  /** Active units with their diligence settings (src/notices unit reminders and digest). */
  diligenceUnits(): DiligenceUnit[] {
    return diligenceUnits(this.context);
  }

  /** The directory's clock: the time notices and audit rows carry. */
  now(): Date {
    return this.context.now();
  }

  /** Whose mailbox `localPart` is, for the CLI's import and export (docs/architecture.md "Retention and migration"). */
  mailboxOwner(localPart: string): { readonly kind: 'person' | 'unit'; readonly retired: boolean } | null {
    const person = this.records.personByLocal(localPart);
    if (person) return { kind: 'person', retired: person.status === 'retired' };
    return this.records.unitByLocal(localPart) ? { kind: 'unit', retired: false } : null;
  }

  /** Whether the local part is in the one address namespace (a person, unit, alias or reserved name). */
  knowsAddress(localPart: string): boolean {
    return this.records.address(localPart) !== null;
  }

  /** The last audited action on `subject` whose name starts with `prefix` ("quota."), or null. */
  lastAuditAction(subject: string, prefix: string): string | null {
    return this.auditLog.lastAction(subject, prefix);
  }

  /** The Điều 10 notices still owed (notice-outbox.ts), oldest first. */
  pendingNotices(): PendingNotice[] {
    return pendingNotices(this.context);
  }

  /** Marks a notice sent; call inside the transaction that delivers it (store.deliver's `inTransaction`). */
  markNoticeSent(notice: PendingNotice, messageId: string): void {
    if (notice.kind === 'warning') markWarned(this.context, notice, messageId);
    else markReported(this.context, notice, messageId);
  }

  /** Retention (docs/architecture.md "Retention and migration"): who was retired more than `retention.retired_days` ago, by the directory's clock. */
  retentionDue(): RetentionDue {
    const retiredDays = this.context.config.retention.retired_days;
    const cutoff = new Date(this.context.now().getTime() - retiredDays * DAY_MS);
    return { cutoff, retiredDays, persons: retiredBefore(this.context, cutoff) };
  }

  /** Deletes a retired person's record and frees the address; call only once the store holds nothing of theirs. */
  releaseRetiredAddress(address: AccountId, actor: string): ReleaseOutcome {
    return releaseRetiredAddress(this.context, address, actor);
  }

  recordViolation(address: string, reason: string, options: { serious?: boolean; source: ViolationSource; actor?: string }): ViolationView {
    const recorded = recordViolation(this.context, address, reason, options);
    this.violations.emit('recorded', recorded);
    return recorded;
  }

  /** After a commit in this process: forget cached passwords and tell open sessions to re-check. */
  private changed(accounts: readonly AccountId[]): void {
    this.names = null;
    // Any change may move an answer: a retirement, a suspension, an alias's target, a new address.
    this.recipients.clear();
    for (const account of new Set(accounts)) {
      this.logins.forget(account);
      this.events.emit('changed', account);
    }
  }


  private resolveLocal(local: LocalPart, depth: number): RecipientResolution {
    const entry = this.records.address(local);
    if (!entry) return { ok: false, reason: 'unknown' };
    const account = accountOf(local, this.config.server.domain);
    switch (entry.kind) {
      case 'person': {
        const person = this.records.personByLocal(local)!;
        if (person.status === 'retired') return { ok: false, reason: 'retired' };
        if (!this.receives(this.records.unitById(person.unitId)!)) return { ok: false, reason: 'suspended' };
        return { ok: true, account, kind: 'person' };
      }
      case 'unit':
        return this.receives(this.records.unitByLocal(local)!) ? { ok: true, account, kind: 'unit' } : { ok: false, reason: 'suspended' };
      case 'alias':
      case 'reserved': {
        if (entry.target !== null && depth === 0) {
          const target = this.resolveLocal(entry.target as LocalPart, depth + 1);
          return target.ok ? { ...target, kind: entry.kind } : target;
        }
        // noreply is a promise that nobody reads it: refuse rather than pile mail up unread.
        if (local === 'noreply') return { ok: false, reason: 'unknown' };
        return { ok: true, account: this.postmaster(), kind: entry.kind };
      }
    }
  }

  /** docs/architecture.md "Violations (Điều 10)": a suspended unit still receives unless policy.suspended_unit_receives is false. */
  private receives(unit: UnitRecord): boolean {
    return unit.status === 'active' || this.config.policy.suspended_unit_receives;
  }


  private personOf(account: AccountId): PersonRecord | null {
    const local = parseLocalAddress(account, this.localDomains);
    return local === null ? null : this.records.personByLocal(local);
  }

  private unitOf(account: AccountId): UnitRecord | null {
    const local = parseLocalAddress(account, this.localDomains);
    return local === null ? null : this.records.unitByLocal(local);
  }

  private postmaster(): AccountId {
    return accountOf('postmaster', this.config.server.domain);
  }
}
