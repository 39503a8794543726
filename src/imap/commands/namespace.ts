import { MAILBOX_DELIMITER } from '../../store/types.js';
import type { CommandHandler } from './index.js';

/** RFC 2342: personal mailboxes at the root, no other users' or shared namespaces yet. */
export const namespace: CommandHandler = (session, { args }) => {
  args.end();
  session.out.untagged('NAMESPACE', [['', MAILBOX_DELIMITER]], null, null);
  return { text: 'NAMESPACE completed' };
};
