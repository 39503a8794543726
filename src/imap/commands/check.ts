import { notInImap4rev2 } from '../errors.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.1: every change is committed as it is made, so a checkpoint is a NOOP.
 * RFC 9051 Appendix E item 17 removed CHECK from IMAP4rev2.
 */
export const check: CommandHandler = (session, { args }) => {
  if (session.imap4rev2) throw notInImap4rev2('CHECK', 'NOOP');
  args.end();
  return { text: 'CHECK completed' };
};
