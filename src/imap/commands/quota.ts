/**
 * RFC 9208 QUOTA: one quota root "" per account, STORAGE in units of 1024 octets, limit from
 * config `quota.default` (0: no quota, and no QUOTA capability).
 */
import type { MailboxInfo } from '../../store/index.js';
import { refuse } from '../errors.js';
import { atom } from '../responses.js';
import type { Session } from '../session.js';

export const QUOTA_ROOT = '';

export function quotaEnabled(session: Session): boolean {
  return session.ctx.config.quota.default > 0;
}

/** `* QUOTA "" (STORAGE used limit)` */
export async function writeQuota(session: Session): Promise<void> {
  const usedKiB = Math.ceil(await session.ctx.store.accountUsage(session.account) / 1024);
  const limitKiB = Math.floor(session.ctx.config.quota.default / 1024);
  session.out.untagged('QUOTA', QUOTA_ROOT, [atom('STORAGE'), usedKiB, limitKiB]);
}

/** RFC 9208 §5.1: APPEND and COPY that would take `mailbox`'s account over its limit fail with NO [OVERQUOTA]. */
export async function requireQuotaRoom(session: Session, mailbox: MailboxInfo, octets: number): Promise<void> {
  const limit = session.ctx.config.quota.default;
  if (limit > 0 && await session.ctx.store.accountUsage(mailbox.account) + octets > limit) {
    throw refuse('OVERQUOTA', `Not enough room: the account may hold ${limit} octets`);
  }
}
