import { requireMailbox } from '../mailboxes.js';
import type { CommandHandler } from './handler.js';
import { QUOTA_ROOT, quotaEnabled, writeQuota } from './quota.js';

/** RFC 9208 §4.3: every mailbox of an account shares the account's one root. */
export const getquotaroot: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  const mailbox = await requireMailbox(session, name);
  // A unit's mailbox counts against the unit, whose quota is not the person's to read.
  if (!quotaEnabled(session) || mailbox.account !== session.account) {
    session.out.untagged('QUOTAROOT', session.mailboxName(mailbox));
    return { text: 'GETQUOTAROOT completed' };
  }
  session.out.untagged('QUOTAROOT', session.mailboxName(mailbox), QUOTA_ROOT);
  await writeQuota(session);
  return { text: 'GETQUOTAROOT completed' };
};
