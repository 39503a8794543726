import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.1.3: BYE, then the tagged OK, then the server closes. */
export const logout: CommandHandler = (session, { args }) => {
  args.end();
  session.out.untagged('BYE Logging out');
  session.deselect();
  session.state = 'logout';
  return { text: 'LOGOUT completed', after: async () => session.close() };
};
