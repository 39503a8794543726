import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { MailStore } from '../store/index.js';
import { migrate, type Db } from '../store/index.js';
import type { AccountId } from '../store/index.js';
import { accountOf, parseLocalAddress, type LocalPart } from './address.js';
import { changeUnitAcl, unitAcl, type AclChange, type AclEntry } from './acl.js';
import { AddressBookLog, type BookCards, type CardChange } from './address-book-log.js';
import type { DirectoryService, UnitAccess } from './api.js';
import { AuditLog, type AuditQuery, type AuditRow } from './audit-log.js';
import type { AccountProvisioner, DirectoryContext } from './context.js';
import { listDirectoryEntries, type DirectoryEntry } from './directory-search.js';
import { LoginCache } from './login-cache.js';
import { RecipientCache } from './recipient-cache.js';
import { changePassword, PASSWORD_CHANGE_BUSY, type PasswordChangeResult } from './password-change.js';
import { hashPassword, MAX_PASSWORD_LENGTH, PRODUCTION_ARGON2, verifyPassword } from './password.js';
import { markReported, markWarned, pendingNotices, type PendingNotice } from './notice-outbox.js';
import { releaseRetiredAddress, retiredBefore, type ReleaseOutcome, type RetentionDue } from './purge.js';
import { DirectoryRecords, type PersonRecord, type UnitRecord } from './records.js';
import { showUnit, type UnitDetails } from './units.js';
import { diligenceUnits, type DiligenceUnit } from './unit-diligence.js';
import { DIRECTORY_MIGRATIONS } from './schema.js';
import { BUSY, defaultCheckConcurrency, PasswordCheckQueue, type CheckQueuePolicy } from './check-queue.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottlePolicy } from './throttle.js';
import {
  ALL_RIGHTS,
  type Argon2Cost,
  type AuditEntry,
  DirectoryError,
  type Identity,
  type LoginContext,
  type LoginFailure,
  type LoginResult,
  type RecipientResolution,
  type Rights,
  type ViolationSource,
} from './types.js';
import { recordViolation, type ViolationView } from './violations.js';

const DAY_MS = 86_400_000;

/**
 * The directory as the protocols see it (DirectoryService), over the store's database handle.
 *
 * Invariants:
 * - Only successful password checks are cached, and only the argon2 step is skipped: status,
 *   unit suspension and rights are read from the database on every login, so a change made by
 *   another process (the CLI) applies at the next login even before the 'external' event.
 * - A login that fails for any reason the client could fix by guessing (unknown login, wrong
 *   password, `unit*person` without rights) gets the same answer, 'bad-credentials', and counts
 *   towards throttling; statuses (retired, suspended, expired) are only told to someone who
 *   gave the right password.
 * - A locked (account, address) pair or address is refused before argon2 runs, so a flood of
 *   guesses costs no CPU; an account as a whole is never locked (throttle.ts).
 * - Every argon2 check of a login or password change waits its turn in the fair, bounded queue of
 *   check-queue.ts; 'busy' only when the queue is full or the turn does not come in time. A
 *   login-cache hit runs no argon2 and does not queue.
 * - Checks of one lane run one at a time, each after the delay its predecessor earned, so every
 *   guess sees the failures counted before it: the lane is the (account, address) pair for an
 *   address the account logged in from recently, else the account — strangers guessing one
 *   account from many addresses share one slow lane, and the owner's office never waits in it.
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

/** Checks waiting or running, all addresses together (check-queue.ts). */
const MAX_QUEUED_CHECKS = 10_000;

/** How long a successful password check is remembered. */
const LOGIN_CACHE_TTL_MS = 60_000;
/** Login names from the network are attacker-chosen: keep what reaches the audit log short and printable. */
const MAX_LOGGED_LOGIN = 320;

export interface LoginStats {
  argon2Verifications: number;
  cacheHits: number;
}

/** Load of the password checks (argon2) of logins and password changes, all IPs together. */
export interface PasswordCheckStats {
  inFlight: number;
  /** High-water mark of `inFlight`. */
  peakInFlight: number;
  /** Refused 'busy': the queue was full or the check's turn did not come in time. */
  busy: number;
}

/** A login name read as `person` or `unit*person` (DESIGN.md "Login names"). */
interface ParsedLogin {
  readonly person: LocalPart;
  readonly unit: LocalPart | null;
}

/** One verifyLogin call as the steps after parsing see it. */
interface LoginAttempt {
  readonly parsed: ParsedLogin | null;
  /** Whose failures count: the person, or the login as typed when it is no login of ours. */
  readonly throttleKey: string;
  /** For the audit log: the account asked for, or the printable login. */
  readonly subject: string;
  readonly password: string;
  readonly detail: Readonly<Record<string, string>>;
}

export class Directory implements DirectoryService {
  readonly events = new EventEmitter<{ changed: [AccountId] }>();
  /** 'recorded' after a violation recorded in this process commits: the server's notice outbox listens (docs/architecture.md "Violations (Điều 10)"). */
  readonly violations = new EventEmitter<{ recorded: [ViolationView] }>();
  readonly localDomains: readonly string[];
  /** For lifecycle functions (units.ts, persons.ts, …) run in this process: their changes clear the cache and emit 'changed'. */
  readonly context: DirectoryContext;
  readonly stats: LoginStats = { argon2Verifications: 0, cacheHits: 0 };
  readonly passwordChecks: PasswordCheckStats = { inFlight: 0, peakInFlight: 0, busy: 0 };

  private readonly records: DirectoryRecords;
  private readonly auditLog: AuditLog;
  private readonly addressBooks: AddressBookLog;
  private readonly cache: LoginCache;
  private readonly recipients = new RecipientCache();
  private readonly throttle: LoginThrottle;
  private readonly checks: PasswordCheckQueue;
  private readonly config: Config;
  private readonly logger: Logger | undefined;
  private readonly argon2: Argon2Cost;
  private dummyHash: Promise<string> | null = null;
  /** officialNames(), until a change in this process or another. */
  private names: readonly string[] | null = null;
  /** Per lane (see above), when the last check queued in it has ended and its delay is over (throttle clock). */
  private readonly lanes = new Map<string, Promise<number>>();
  private readonly clock: () => number;

  constructor(options: DirectoryOptions) {
    const { db, config } = options;
    // Tables first: the prepared statements below need them.
    migrate(db, 'directory', DIRECTORY_MIGRATIONS);
    this.config = config;
    this.localDomains = config.localDomains;
    this.logger = options.logger;
    this.argon2 = options.argon2 ?? PRODUCTION_ARGON2;
    const now = options.now ?? (() => new Date());
    this.clock = () => now().getTime();
    this.records = new DirectoryRecords(db, config.server.domain);
    this.auditLog = new AuditLog(db, now);
    this.addressBooks = new AddressBookLog(db);
    this.cache = new LoginCache(options.loginCacheTtlMs ?? LOGIN_CACHE_TTL_MS, this.clock);
    this.throttle = new LoginThrottle(
      {
        ...DEFAULT_THROTTLE,
        failuresBeforeDelay: config.policy.login_failures_before_delay,
        failuresBeforeLock: config.policy.login_failures_before_lock,
        lockMs: config.policy.login_lock,
        ...options.throttle,
      },
      this.clock,
    );
    this.checks = new PasswordCheckQueue(
      {
        concurrency: defaultCheckConcurrency(),
        maxWaitMs: config.policy.login_queue_timeout,
        maxPerAddress: config.policy.login_queue_per_address,
        maxTotal: MAX_QUEUED_CHECKS,
        ...options.checkQueue,
      },
      (ip, running) => running === 0 || this.throttle.addressFailures(ip) + running < this.throttle.addressLockAt,
      this.clock,
    );
    this.context = {
      db,
      config,
      records: this.records,
      auditLog: this.auditLog,
      accounts: options.store,
      now,
      argon2: this.argon2,
      changed: (accounts) => this.changed(accounts),
    };
    // Reserved names (postmaster, abuse, …) are delivered to postmaster's mailbox. Not awaited (a
    // constructor): a delivery or login creates the folders again if this write fails.
    options.store.ensureAccount(this.postmaster()).catch((err: unknown) => this.logger?.error({ err }, "could not create postmaster's folders"));
    // Another process changed the database: it may have reset a password or retired someone.
    options.store.events?.on('change', (change) => {
      if (change.kind === 'external') {
        this.cache.clear();
        this.recipients.clear();
        this.names = null;
      }
    });
  }

  async verifyLogin(login: string, password: string, context: LoginContext): Promise<LoginResult> {
    const attempt = this.attemptOf(login, password, context);
    const state = this.throttle.check(attempt.throttleKey, context.ip);
    // Refused without an audit row: the lock itself was audited, and a flood must not fill the log.
    // Nor through the queue: the answer costs no argon2, and its wait is a timer; so a
    // colleague's locked account does not hold up the office's shared address.
    if (state.locked) return { ok: false, reason: 'locked', delayMs: state.delayMs };
    // A password checked a moment ago is no guess and costs no argon2: no queue (a mail client
    // opening several connections at once).
    const cached = this.cachedSignIn(attempt);
    if (cached) return cached;
    const { throttleKey } = attempt;
    const lane = this.throttle.isKnownAddress(throttleKey, context.ip) ? `${throttleKey}|${context.ip}` : throttleKey;
    // The lane's next check waits out the delay the one before it earned (lane invariant above).
    const previous = this.lanes.get(lane)?.then((notBefore) => sleep(Math.max(0, notBefore - this.clock())));
    const turn = this.checks.run(context.ip, () => this.checkLogin(attempt), previous);
    const done = turn.then(
      (result) => this.clock() + (result !== BUSY && !result.ok && result.reason === 'bad-credentials' ? result.delayMs : 0),
      () => this.clock(),
    );
    this.lanes.set(lane, done);
    // Forgotten only once the delay is over, so that a guess arriving later still waits it out.
    void done
      .then((notBefore) => sleep(Math.max(0, notBefore - this.clock()), undefined, { ref: false }))
      .then(() => {
        if (this.lanes.get(lane) === done) this.lanes.delete(lane);
      });
    const result = await turn;
    return result === BUSY ? this.busy() : result;
  }

  private attemptOf(login: string, password: string, context: LoginContext): LoginAttempt {
    const parsed = this.parseLogin(login);
    return {
      parsed,
      throttleKey: parsed?.person ?? printable(login).toLowerCase(),
      subject: parsed ? accountOf(parsed.unit ?? parsed.person, this.config.server.domain) : printable(login),
      password,
      detail: { protocol: context.protocol, ip: context.ip, ...(context.clientId ? { clientId: context.clientId } : {}) },
    };
  }

  /** The login's turn in its lane, in a slot of the check queue. */
  private async checkLogin(attempt: LoginAttempt): Promise<LoginResult> {
    const { parsed, throttleKey, subject, password, detail } = attempt;
    // Again: guesses queued before this one may have locked the account meanwhile.
    const state = this.throttle.check(throttleKey, detail.ip!);
    if (state.locked) return { ok: false, reason: 'locked', delayMs: state.delayMs };
    // The check just before this one in the queue may have found the same password right.
    const cached = this.cachedSignIn(attempt);
    if (cached) return cached;

    const found = parsed ? this.records.personByLocal(parsed.person) : null;
    // No password we accept is longer (two UTF-16 units per character at most): a megabyte
    // "password" gets no argon2 run.
    if (password.length > 2 * MAX_PASSWORD_LENGTH) return this.refuse(throttleKey, subject, subject, 'bad-credentials', detail);
    // An unknown login costs as much as a wrong password: timing must not tell which it was.
    const passwordOk = await this.argon2Check(() => (found ? this.verifyHash(found, password) : this.dummy().then((hash) => verifyPassword(hash, password))));
    if (!found || !passwordOk) return this.refuse(throttleKey, subject, subject, 'bad-credentials', detail);
    return this.signIn(found, parsed!, throttleKey, subject, detail);
  }

  /** Signs in without argon2 when the login cache holds this very password; null otherwise. */
  private cachedSignIn({ parsed, throttleKey, subject, password, detail }: LoginAttempt): LoginResult | null {
    const found = parsed ? this.records.personByLocal(parsed.person) : null;
    if (!found || !this.cache.has(this.records.accountOf(found), password, found.passwordHash)) return null;
    this.stats.cacheHits++;
    return this.signIn(found, parsed!, throttleKey, subject, detail);
  }

  /** The password was right: status, unit and rights decide; audits. */
  private signIn(found: PersonRecord, parsed: ParsedLogin, throttleKey: string, subject: string, detail: Record<string, string>): LoginResult {
    // Re-read after the await: a change may have committed while argon2 ran, and a password
    // reset meanwhile makes the one we checked worthless.
    const person = this.records.personById(found.id)!;
    const personAccount = this.records.accountOf(person);
    const refuse = (reason: LoginFailure) => this.refuse(throttleKey, personAccount, subject, reason, detail);
    if (person.passwordHash !== found.passwordHash) return refuse('bad-credentials');
    if (person.status === 'retired') return refuse('retired');

    let account = personAccount;
    let rights: Rights = ALL_RIGHTS;
    let unit: UnitRecord | null = null;
    if (parsed.unit !== null) {
      unit = this.records.unitByLocal(parsed.unit);
      rights = unit ? this.rightsOnUnit(person, unit) : '';
      // docs/architecture.md "Unit mailboxes": `unit*person` without rights fails exactly like a wrong password.
      if (!unit || rights === '') return refuse('bad-credentials');
      account = this.records.accountOf(unit);
    }
    if (unit?.status === 'suspended' || this.records.unitById(person.unitId)!.status === 'suspended') return refuse('suspended');
    if (person.mustChangePassword && this.config.policy.require_password_change) return refuse('expired');

    this.throttle.succeed(throttleKey, detail.ip!);
    this.auditLog.write({ actor: personAccount, action: 'login.ok', subject: account, detail });
    return {
      ok: true,
      identity: { person: personAccount, account, displayName: person.fullName, rights, credentialVersion: person.credentialVersion },
    };
  }

  revalidate(identity: Identity): Identity | null {
    const person = this.personOf(identity.person);
    if (!person || person.status === 'retired') return null;
    if (identity.credentialVersion !== undefined && identity.credentialVersion !== person.credentialVersion) return null;
    if (this.records.unitById(person.unitId)!.status === 'suspended') return null;
    if (identity.account === identity.person) return identity;
    const unit = this.unitOf(identity.account);
    if (!unit || unit.status === 'suspended') return null;
    const rights = this.rightsOnUnit(person, unit);
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
      const rights = this.rightsOnUnit(person, unit);
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
    return unit ? this.rightsOnUnit(person, unit) : '';
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

  async changePassword(person: AccountId, currentPassword: string, newPassword: string, context: LoginContext): Promise<PasswordChangeResult> {
    const throttleKey = parseLocalAddress(person, this.localDomains) ?? person;
    if (this.throttle.check(throttleKey, context.ip).locked) {
      return { ok: false, reason: 'wrong-current', message: 'Tài khoản tạm thời bị khóa vì nhập sai mật khẩu nhiều lần.' };
    }
    // Up to three argon2 runs (current, previous, new hash): one turn in the queue, like a login.
    const result = await this.checks.run(context.ip, () => this.argon2Check(() => changePassword(this.context, person, currentPassword, newPassword, context)));
    if (result === BUSY) {
      this.passwordChecks.busy++;
      return PASSWORD_CHANGE_BUSY;
    }
    // A wrong current password is a guess like a failed login: it counts towards throttling and locks.
    if (!result.ok && result.reason === 'wrong-current') {
      this.countFailure(throttleKey, person, { protocol: context.protocol, ip: context.ip, ...(context.clientId ? { clientId: context.clientId } : {}) });
    }
    return result;
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

  recordViolation(address: string, reason: string, options: { serious?: boolean; source: ViolationSource; actor?: string }): void {
    this.violations.emit('recorded', recordViolation(this.context, address, reason, options));
  }

  /** After a commit in this process: forget cached passwords and tell open sessions to re-check. */
  private changed(accounts: readonly AccountId[]): void {
    this.names = null;
    // Any change may move an answer: a retirement, a suspension, an alias's target, a new address.
    this.recipients.clear();
    for (const account of new Set(accounts)) {
      this.cache.forget(account);
      this.events.emit('changed', account);
    }
  }

  private async verifyHash(person: PersonRecord, password: string): Promise<boolean> {
    this.stats.argon2Verifications++;
    const ok = await verifyPassword(person.passwordHash, password);
    if (ok) this.cache.remember(this.records.accountOf(person), password, person.passwordHash);
    return ok;
  }

  /** Runs admitted argon2 work, counted in passwordChecks. */
  private async argon2Check<T>(work: () => Promise<T>): Promise<T> {
    const checks = this.passwordChecks;
    checks.peakInFlight = Math.max(checks.peakInFlight, ++checks.inFlight);
    try {
      return await work();
    } finally {
      checks.inFlight--;
    }
  }

  /** No audit row: nothing was checked, and a flood must not fill the log. */
  private busy(): LoginResult {
    this.passwordChecks.busy++;
    return { ok: false, reason: 'busy', delayMs: 0 };
  }

  private refuse(throttleKey: string, actor: string, subject: string, reason: LoginFailure, detail: Record<string, string>): LoginResult {
    // Only a guess counts; a right password with a status to tell clears the count like a success.
    let delayMs = 0;
    if (reason === 'bad-credentials') delayMs = this.countFailure(throttleKey, subject, detail);
    else this.throttle.succeed(throttleKey, detail.ip!);
    this.auditLog.write({ actor, action: 'login.fail', subject, detail: { ...detail, reason } });
    // The web page signs an 'expired' official in to the change page only (docs/architecture.md "Password lifecycle").
    return reason === 'expired' ? { ok: false, reason, delayMs, person: actor as AccountId } : { ok: false, reason, delayMs };
  }

  /** Counts a failed guess; audits the lock when this one caused it. Returns the delay to apply. */
  private countFailure(throttleKey: string, subject: string, detail: Record<string, string>): number {
    const outcome = this.throttle.fail(throttleKey, detail.ip!);
    this.checks.holdAddress(detail.ip!, outcome.addressHoldMs);
    if (outcome.lockedNow) {
      this.auditLog.write({ actor: 'system', action: 'login.lock', subject, detail: { ...detail, lockMs: this.config.policy.login_lock } });
      this.logger?.warn({ subject, ip: detail.ip }, 'login locked after repeated failures');
    }
    return outcome.delayMs;
  }

  /** A hash of a random password with our cost, to verify against when the login is unknown. */
  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.argon2);
    return this.dummyHash;
  }

  /** `annv`, `annv@cantho.gov.vn`, `vpubnd*annv` (DESIGN.md "Login names"). */
  private parseLogin(login: string): ParsedLogin | null {
    const star = login.indexOf('*');
    if (star === -1) {
      const person = parseLocalAddress(login, this.localDomains);
      return person ? { person, unit: null } : null;
    }
    const unit = parseLocalAddress(login.slice(0, star), this.localDomains);
    const person = parseLocalAddress(login.slice(star + 1), this.localDomains);
    return unit && person ? { person, unit } : null;
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

  private rightsOnUnit(person: PersonRecord, unit: UnitRecord): Rights {
    if (unit.headPersonId === person.id) return ALL_RIGHTS;
    return this.records.delegation(unit.id, person.id)?.rights ?? '';
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

function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '?').slice(0, MAX_LOGGED_LOGIN);
}
