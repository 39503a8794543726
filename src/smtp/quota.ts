import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { AccountId } from '../store/index.js';
import { replies } from './reply.js';

/**
 * `[quota] default` on every way into a mailbox over SMTP (the MX, submission to a colleague,
 * unit mailboxes alike; IMAP APPEND/COPY/MOVE check it in src/imap/commands/quota.ts).
 *
 * At RCPT: an account already full, or one the message would fill when the client declared its
 * size (RFC 1870 `SIZE=`), is refused for that recipient alone, and the others still get it.
 * At DATA, once the size is known: if the message would take any local recipient past the
 * limit, the whole message is refused. Both with `452 4.2.2`: RFC 3463 §3.3 X.2.2 "mailbox full"
 * is meant for persistent transient failures too, and a full mailbox is one — its owner has
 * been warned at 90 % (src/notices/quota-notices.ts) and can make room, so the sending MTA should
 * retry (RFC 5321 §4.2.5, 452 "insufficient system storage", is allowed after RCPT and after
 * DATA) rather than bounce at once; a mailbox that stays full bounces when the sender's queue
 * gives up. Only a size the message can never fit (over `smtp.max_message_size`) is 552.
 */

/** At RCPT for a local account: throws 452 4.2.2 when it is full, or too full for the declared SIZE. */
export async function checkRecipientQuota(ctx: AppContext, account: AccountId, session: SMTPServerSession): Promise<void> {
  const args = session.envelope.mailFrom ? session.envelope.mailFrom.args : false;
  const declared = args && typeof args.SIZE === 'string' ? Number(args.SIZE) : 0;
  if (!await hasRoom(ctx, account, Math.max(declared, 1))) throw replies.mailboxFull();
}

/** At DATA: throws 452 4.2.2 unless every local recipient has room for `octets` more. */
export async function requireQuotaRoom(ctx: AppContext, accounts: Iterable<AccountId>, octets: number): Promise<void> {
  for (const account of accounts) if (!await hasRoom(ctx, account, octets)) throw replies.mailboxFull();
}

async function hasRoom(ctx: AppContext, account: AccountId, octets: number): Promise<boolean> {
  const limit = ctx.config.quota.default;
  return limit === 0 || await ctx.store.accountUsage(account) + octets <= limit;
}
