import type { CommandHandler } from './handler.js';

/** RFC 3691: leaves the selected state without expunging. */
export const unselect: CommandHandler = (session, { args }) => {
  args.end();
  session.deselect();
  return { text: 'UNSELECT completed' };
};
