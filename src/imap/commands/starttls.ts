import { ImapError } from '../errors.js';
import type { CommandHandler } from './handler.js';

/** RFC 3501 §6.2.1: the handshake starts after the tagged OK; the client then asks CAPABILITY again. */
export const starttls: CommandHandler = (session, { args }) => {
  args.end();
  if (session.secure) throw new ImapError('BAD', null, 'TLS is already active');
  return { text: 'Begin TLS negotiation now', after: () => session.startTls() };
};
