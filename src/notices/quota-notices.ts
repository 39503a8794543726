import type { Logger } from 'pino';
import { accountOf } from '../directory/index.js';
import type { Config } from '../config/index.js';
import type { Directory } from '../directory/index.js';
import type { MailStore } from '../store/index.js';
import type { AccountId } from '../store/index.js';
import { composeNotice, POSTMASTER_NAME } from './notice-message.js';
import { renderTemplate } from './templates.js';

/**
 * The 90 % quota warning: when an account's usage crosses 90 % of `[quota] default`, its owner
 * (the person, or the unit's mailbox) gets one Vietnamese notice (config/templates/quota-warning.txt)
 * in the INBOX from postmaster@; not again until usage has dropped below 90 % and crosses again.
 *
 * The state (warned or not) is kept in the audit log, so a restart neither repeats a warning nor
 * forgets one: `quota.warning` is written in the notice's own delivery transaction (it is on
 * record exactly when the notice is in the INBOX), `quota.below` when usage is seen under the
 * threshold again. The server calls `check` after every change to an account's mailboxes.
 */

export interface QuotaNoticeDeps {
  /** The audit log (the warning's memory) and the clock, through the directory's entry. */
  readonly directory: Pick<Directory, 'audit' | 'lastAuditAction' | 'now'>;
  readonly config: Config;
  readonly store: Pick<MailStore, 'accountUsage' | 'deliver'>;
  readonly displayName: (account: AccountId) => string | null;
  readonly logger?: Logger;
}

/** RFC 9208 leaves warnings to the server; 90 % leaves room for a few days of mail after the notice. */
const WARN_AT = 0.9;

export class QuotaNotices {
  /** Per account: warned since it last crossed (read from the audit log once, then kept). */
  private readonly warned = new Map<AccountId, boolean>();
  private readonly sending = new Set<AccountId>();

  constructor(private readonly deps: QuotaNoticeDeps) {}

  /** After a change to `account`'s mailboxes: warns, or re-arms the warning, as usage says. */
  async check(account: AccountId): Promise<void> {
    const limit = this.deps.config.quota.default;
    if (limit === 0 || this.sending.has(account)) return;
    let usage: number;
    try {
      usage = await this.deps.store.accountUsage(account);
    } catch (err) {
      // Run after a change, unawaited (src/server.ts): a store gone meanwhile (a PostgreSQL
      // failover) must not become an unhandled rejection. The next change checks again.
      this.deps.logger?.warn({ err, account }, 'quota check skipped: usage could not be read');
      return;
    }
    const above = usage >= limit * WARN_AT;
    if (above === this.isWarned(account)) return;
    if (!above) {
      this.warned.set(account, false);
      this.deps.directory.audit({ actor: 'system', action: 'quota.below', subject: account, detail: { usage, limit } });
      return;
    }
    this.sending.add(account);
    try {
      await this.warn(account, usage, limit);
      this.warned.set(account, true);
    } catch (err) {
      this.deps.logger?.error({ err, account }, 'quota warning not sent; it is tried again at the next delivery');
    } finally {
      this.sending.delete(account);
    }
  }

  private isWarned(account: AccountId): boolean {
    let warned = this.warned.get(account);
    if (warned === undefined) {
      warned = this.deps.directory.lastAuditAction(account, 'quota.') === 'quota.warning';
      this.warned.set(account, warned);
    }
    return warned;
  }

  private async warn(account: AccountId, usage: number, limit: number): Promise<void> {
    const { directory, config } = this.deps;
    const domain = config.server.domain;
    const name = this.deps.displayName(account);
    const rendered = renderTemplate(config.paths.templates, 'quota-warning', {
      ho_ten: name ?? account,
      dia_chi: account,
      ten_mien: domain,
      quan_tri: accountOf('postmaster', domain),
      da_dung: megabytes(usage),
      gioi_han: megabytes(limit),
      phan_tram: String(Math.floor((usage / limit) * 100)),
    });
    const now = directory.now();
    const raw = await composeNotice({
      from: { name: POSTMASTER_NAME, address: accountOf('postmaster', domain) },
      to: { name, address: account },
      ...rendered,
      date: now,
      messageId: `quota-${now.getTime()}-${account.replace('@', '.')}@${config.server.hostname}`,
    });
    await this.deps.store.deliver([{ account, folder: 'INBOX' }], raw, {
      inTransaction: () => directory.audit({ actor: 'system', action: 'quota.warning', subject: account, detail: { usage, limit } }),
    });
  }
}

/** "1,5 MB": Vietnamese writes a decimal comma. */
function megabytes(octets: number): string {
  return `${(octets / (1024 * 1024)).toFixed(1).replace('.', ',')} MB`;
}
