import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccountId } from '../store/index.js';
import { accountOf, parseLocalAddress, type LocalPart } from './address.js';
import { BUSY, defaultCheckConcurrency, PasswordCheckQueue, type CheckQueuePolicy } from './check-queue.js';
import type { DirectoryContext } from './context.js';
import { LoginCache } from './login-cache.js';
import { changePassword, PASSWORD_CHANGE_BUSY, type PasswordChangeResult } from './password-change.js';
import { hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './password.js';
import type { PersonRecord, UnitRecord } from './records.js';
import { rightsOnUnit } from './rights.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottlePolicy } from './throttle.js';
import { ALL_RIGHTS, type LoginContext, type LoginFailure, type LoginResult, type Rights } from './types.js';

/**
 * The login flow of every protocol (Directory.verifyLogin) and the password check of a
 * self-service change: parsing the login name, throttling, the argon2 queue, the login cache,
 * the audit rows of logins.
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

export interface LoginFlowOptions {
  readonly logger?: Logger | undefined;
  readonly loginCacheTtlMs?: number | undefined;
  readonly throttle?: Partial<ThrottlePolicy> | undefined;
  readonly checkQueue?: Partial<CheckQueuePolicy> | undefined;
}

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

/** Checks waiting or running, all addresses together (check-queue.ts). */
const MAX_QUEUED_CHECKS = 10_000;
/** How long a successful password check is remembered. */
const LOGIN_CACHE_TTL_MS = 60_000;
/** Login names from the network are attacker-chosen: keep what reaches the audit log short and printable. */
const MAX_LOGGED_LOGIN = 320;

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

export class LoginFlow {
  readonly stats: LoginStats = { argon2Verifications: 0, cacheHits: 0 };
  readonly passwordChecks: PasswordCheckStats = { inFlight: 0, peakInFlight: 0, busy: 0 };

  private readonly cache: LoginCache;
  private readonly throttle: LoginThrottle;
  private readonly checks: PasswordCheckQueue;
  private readonly logger: Logger | undefined;
  private readonly clock: () => number;
  private dummyHash: Promise<string> | null = null;
  /** Per lane (see above), when the last check queued in it has ended and its delay is over (throttle clock). */
  private readonly lanes = new Map<string, Promise<number>>();

  constructor(
    private readonly ctx: DirectoryContext,
    options: LoginFlowOptions = {},
  ) {
    const { policy } = ctx.config;
    this.logger = options.logger;
    this.clock = () => ctx.now().getTime();
    this.cache = new LoginCache(options.loginCacheTtlMs ?? LOGIN_CACHE_TTL_MS, this.clock);
    this.throttle = new LoginThrottle(
      {
        ...DEFAULT_THROTTLE,
        failuresBeforeDelay: policy.login_failures_before_delay,
        failuresBeforeLock: policy.login_failures_before_lock,
        lockMs: policy.login_lock,
        ...options.throttle,
      },
      this.clock,
    );
    this.checks = new PasswordCheckQueue(
      {
        concurrency: defaultCheckConcurrency(),
        maxWaitMs: policy.login_queue_timeout,
        maxPerAddress: policy.login_queue_per_address,
        maxTotal: MAX_QUEUED_CHECKS,
        ...options.checkQueue,
      },
      (ip, running) => running === 0 || this.throttle.addressFailures(ip) + running < this.throttle.addressLockAt,
      this.clock,
    );
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

  /** Directory.changePassword: one turn in the check queue, a wrong current password counted like a failed login. */
  async changePassword(person: AccountId, currentPassword: string, newPassword: string, context: LoginContext): Promise<PasswordChangeResult> {
    const throttleKey = parseLocalAddress(person, this.ctx.config.localDomains) ?? person;
    if (this.throttle.check(throttleKey, context.ip).locked) {
      return { ok: false, reason: 'wrong-current', message: 'Tài khoản tạm thời bị khóa vì nhập sai mật khẩu nhiều lần.' };
    }
    // Up to three argon2 runs (current, previous, new hash): one turn in the queue, like a login.
    const result = await this.checks.run(context.ip, () => this.argon2Check(() => changePassword(this.ctx, person, currentPassword, newPassword, context)));
    if (result === BUSY) {
      this.passwordChecks.busy++;
      return PASSWORD_CHANGE_BUSY;
    }
    // A wrong current password is a guess like a failed login: it counts towards throttling and locks.
    if (!result.ok && result.reason === 'wrong-current') this.countFailure(throttleKey, person, detailOf(context));
    return result;
  }

  /** After a change to this account in this process: its remembered password may be stale. */
  forget(account: AccountId): void {
    this.cache.forget(account);
  }

  /** After a change by another process: any remembered password may be stale. */
  forgetAll(): void {
    this.cache.clear();
  }

  private attemptOf(login: string, password: string, context: LoginContext): LoginAttempt {
    const parsed = this.parseLogin(login);
    return {
      parsed,
      throttleKey: parsed?.person ?? printable(login).toLowerCase(),
      subject: parsed ? accountOf(parsed.unit ?? parsed.person, this.ctx.config.server.domain) : printable(login),
      password,
      detail: detailOf(context),
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

    const found = parsed ? this.ctx.records.personByLocal(parsed.person) : null;
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
    const { records } = this.ctx;
    const found = parsed ? records.personByLocal(parsed.person) : null;
    if (!found || !this.cache.has(records.accountOf(found), password, found.passwordHash)) return null;
    this.stats.cacheHits++;
    return this.signIn(found, parsed!, throttleKey, subject, detail);
  }

  /** The password was right: status, unit and rights decide; audits. */
  private signIn(found: PersonRecord, parsed: ParsedLogin, throttleKey: string, subject: string, detail: Record<string, string>): LoginResult {
    const { records, config } = this.ctx;
    // Re-read after the await: a change may have committed while argon2 ran, and a password
    // reset meanwhile makes the one we checked worthless.
    const person = records.personById(found.id)!;
    const personAccount = records.accountOf(person);
    const refuse = (reason: LoginFailure) => this.refuse(throttleKey, personAccount, subject, reason, detail);
    if (person.passwordHash !== found.passwordHash) return refuse('bad-credentials');
    if (person.status === 'retired') return refuse('retired');

    let account = personAccount;
    let rights: Rights = ALL_RIGHTS;
    let unit: UnitRecord | null = null;
    if (parsed.unit !== null) {
      unit = records.unitByLocal(parsed.unit);
      rights = unit ? rightsOnUnit(records, person, unit) : '';
      // docs/architecture.md "Unit mailboxes": `unit*person` without rights fails exactly like a wrong password.
      if (!unit || rights === '') return refuse('bad-credentials');
      account = records.accountOf(unit);
    }
    if (unit?.status === 'suspended' || records.unitById(person.unitId)!.status === 'suspended') return refuse('suspended');
    if (person.mustChangePassword && config.policy.require_password_change) return refuse('expired');

    this.throttle.succeed(throttleKey, detail.ip!);
    this.ctx.auditLog.write({ actor: personAccount, action: 'login.ok', subject: account, detail });
    return {
      ok: true,
      identity: { person: personAccount, account, displayName: person.fullName, rights, credentialVersion: person.credentialVersion },
    };
  }

  private async verifyHash(person: PersonRecord, password: string): Promise<boolean> {
    this.stats.argon2Verifications++;
    const ok = await verifyPassword(person.passwordHash, password);
    if (ok) this.cache.remember(this.ctx.records.accountOf(person), password, person.passwordHash);
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
    this.ctx.auditLog.write({ actor, action: 'login.fail', subject, detail: { ...detail, reason } });
    // The web page signs an 'expired' official in to the change page only (docs/architecture.md "Password lifecycle").
    return reason === 'expired' ? { ok: false, reason, delayMs, person: actor as AccountId } : { ok: false, reason, delayMs };
  }

  /** Counts a failed guess; audits the lock when this one caused it. Returns the delay to apply. */
  private countFailure(throttleKey: string, subject: string, detail: Record<string, string>): number {
    const outcome = this.throttle.fail(throttleKey, detail.ip!);
    this.checks.holdAddress(detail.ip!, outcome.addressHoldMs);
    if (outcome.lockedNow) {
      this.ctx.auditLog.write({ actor: 'system', action: 'login.lock', subject, detail: { ...detail, lockMs: this.ctx.config.policy.login_lock } });
      this.logger?.warn({ subject, ip: detail.ip }, 'login locked after repeated failures');
    }
    return outcome.delayMs;
  }

  /** A hash of a random password with our cost, to verify against when the login is unknown. */
  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.ctx.argon2);
    return this.dummyHash;
  }

  /** `annv`, `annv@cantho.gov.vn`, `vpubnd*annv` (DESIGN.md "Login names"). */
  private parseLogin(login: string): ParsedLogin | null {
    const { localDomains } = this.ctx.config;
    const star = login.indexOf('*');
    if (star === -1) {
      const person = parseLocalAddress(login, localDomains);
      return person ? { person, unit: null } : null;
    }
    const unit = parseLocalAddress(login.slice(0, star), localDomains);
    const person = parseLocalAddress(login.slice(star + 1), localDomains);
    return unit && person ? { person, unit } : null;
  }
}

/** What the audit rows of a login say about where it came from. */
function detailOf(context: LoginContext): Record<string, string> {
  return { protocol: context.protocol, ip: context.ip, ...(context.clientId ? { clientId: context.clientId } : {}) };
}

function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '?').slice(0, MAX_LOGGED_LOGIN);
}
