import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.4.1: every change is committed as it is made, so a checkpoint is a NOOP. */
export const check: CommandHandler = (_session, { args }) => {
  args.end();
  return { text: 'CHECK completed' };
};
