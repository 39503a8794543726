import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.1.1 */
export const capability: CommandHandler = (session, { args }) => {
  args.end();
  session.out.untagged(`CAPABILITY ${session.capabilities().join(' ')}`);
  return { text: 'CAPABILITY completed' };
};
