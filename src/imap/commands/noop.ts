import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.1.2: does nothing but lets pending updates through (the session sends them). */
export const noop: CommandHandler = (_session, { args }) => {
  args.end();
  return { text: 'NOOP completed' };
};
