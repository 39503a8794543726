import { expungeAudited } from '../delegate-audit.js';
import { hasRight } from '../mailboxes.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.2: expunges \Deleted messages when the mailbox is read-write, silently (no EXPUNGE
 * responses), and returns to the authenticated state. RFC 4314 §4: without "e" it only closes.
 */
export const close: CommandHandler = async (session, { args }) => {
  args.end();
  const selected = session.requireSelected();
  session.deselect();
  if (selected.readOnly || !hasRight(session, 'e', selected.info)) return { text: 'CLOSE completed' };
  // docs/architecture.md "Unit mailboxes", on record: what a delegate's CLOSE removes is on record.
  await expungeAudited(session, selected.info);
  return { text: 'CLOSE completed' };
};
