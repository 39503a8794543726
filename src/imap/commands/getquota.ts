import { refuse } from '../errors.js';
import type { CommandHandler } from './handler.js';
import { QUOTA_ROOT, quotaEnabled, writeQuota } from './quota.js';

/** RFC 9208 §4.2 */
export const getquota: CommandHandler = async (session, { args }) => {
  args.space();
  const root = args.astringText();
  args.end();
  if (!quotaEnabled(session) || root !== QUOTA_ROOT) throw refuse('NONEXISTENT', 'No such quota root');
  await writeQuota(session);
  return { text: 'GETQUOTA completed' };
};
