import { requireMailbox } from '../mailboxes.js';
import type { CommandHandler } from './index.js';
import { QUOTA_ROOT, quotaEnabled, writeQuota } from './quota.js';

/** RFC 9208 §4.3: every mailbox of an account shares the account's one root. */
export const getquotaroot: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  const mailbox = requireMailbox(session, name);
  if (!quotaEnabled(session)) {
    session.out.untagged('QUOTAROOT', session.wireName(mailbox.name));
    return { text: 'GETQUOTAROOT completed' };
  }
  session.out.untagged('QUOTAROOT', session.wireName(mailbox.name), QUOTA_ROOT);
  writeQuota(session);
  return { text: 'GETQUOTAROOT completed' };
};
