import type { CommandHandler } from './index.js';

/**
 * RFC 3501 §6.4.2: expunges \Deleted messages when the mailbox is read-write, silently (no EXPUNGE
 * responses), and returns to the authenticated state.
 */
export const close: CommandHandler = (session, { args }) => {
  args.end();
  const selected = session.requireSelected();
  session.deselect();
  if (!selected.readOnly) session.ctx.store.expunge(selected.info.id);
  return { text: 'CLOSE completed' };
};
